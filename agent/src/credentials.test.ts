import { describe, expect, it } from "vitest";
import { KubeConfig } from "@kubernetes/client-node";
import { stringify } from "yaml";
import { parseRotated } from "./credentials.js";

const SERVER = "https://hub.example:6443";
const CA = Buffer.from("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").toString("base64");

const current = new KubeConfig();
current.loadFromOptions({
  clusters: [{ name: "hub", server: SERVER, caData: CA, skipTLSVerify: false }],
  users: [{ name: "agent", token: "t1" }],
  contexts: [{ name: "hub", cluster: "hub", user: "agent" }],
  currentContext: "hub",
});

/** A rotated kubeconfig as the hub writes it, with overrides. */
function rotated(cluster: Record<string, unknown> = {}, user: Record<string, unknown> = { token: "t2" }, extra: Record<string, unknown> = {}): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "hub", cluster: { server: SERVER, "certificate-authority-data": CA, ...cluster } }],
    users: [{ name: "agent", user }],
    contexts: [{ name: "ctx", context: { cluster: "hub", user: "agent", namespace: "c1" } }],
    "current-context": "ctx",
    ...extra,
  });
}

const refused = (text: string): string => {
  const r = parseRotated(text, current);
  return "refused" in r ? r.refused : "accepted";
};

describe("parseRotated", () => {
  it("accepts a token kubeconfig for the same server and CA, rebuilt from the checked fields", () => {
    const r = parseRotated(rotated(), current);
    expect("kc" in r && r.kc.getCurrentUser()?.token).toBe("t2");
    expect("kc" in r && r.kc.getCurrentCluster()?.server).toBe(SERVER);
    expect(refused(rotated({ server: `${SERVER}/` }))).toBe("accepted");
    expect(refused(rotated({ "insecure-skip-tls-verify": false }))).toBe("accepted");
    // What the agent persists is accepted again (a restart, a standby).
    const again = parseRotated(rotated(), current);
    expect("kc" in again && refused(again.kc.exportConfig())).toBe("accepted");
  });

  it("refuses anything that could run code, read files, redirect the agent or weaken TLS, before loading it", () => {
    expect(refused(rotated({}, { token: "t2", exec: { command: "/bin/sh", args: ["-c", "id"], apiVersion: "client.authentication.k8s.io/v1" } }))).toMatch(/exec/);
    expect(refused(rotated({}, { "auth-provider": { name: "oidc", config: {} } }))).toMatch(/auth-provider/);
    expect(refused(rotated({}, { tokenFile: "/var/run/secrets/kubernetes.io/serviceaccount/token" }))).toMatch(/tokenFile/);
    expect(refused(rotated({}, { token: "t2", as: "system:admin" }))).toMatch(/\bas\b/);
    expect(refused(rotated({}, { "client-certificate-data": "Y2VydA==", "client-key-data": "a2V5" }))).toMatch(/client-certificate-data/);
    expect(refused(rotated({}, {}))).toMatch(/no token/);
    expect(refused(rotated({ server: "https://evil.example:6443" }))).toMatch(/another server/);
    expect(refused(rotated({ "certificate-authority-data": Buffer.from("other").toString("base64") }))).toMatch(/certificate authority/);
    expect(refused(rotated({ "certificate-authority": "/etc/passwd" }))).toMatch(/certificate-authority/);
    expect(refused(rotated({ "insecure-skip-tls-verify": true }))).toMatch(/insecure-skip-tls-verify/);
    expect(refused(rotated({ "proxy-url": "http://proxy.evil:3128" }))).toMatch(/proxy-url/);
    expect(refused(rotated({ "tls-server-name": "kubelet.evil" }))).toMatch(/TLS server name/);
    // A second user with an exec plugin, even when not the current one, is refused: exactly one of each.
    const two = rotated({}, { token: "t2" }, { users: [{ name: "agent", user: { token: "t2" } }, { name: "x", user: { exec: { command: "/bin/sh" } } }] });
    expect(refused(two)).toMatch(/exactly one/);
    expect(refused("{not: [yaml")).toMatch(/not YAML/);
    expect(refused("just a string")).toMatch(/not a kubeconfig/);
  });
});
