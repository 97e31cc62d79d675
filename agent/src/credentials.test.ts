import { describe, expect, it } from "vitest";
import { KubeConfig } from "@kubernetes/client-node";
import { rejectRotated } from "./credentials.js";

const SERVER = "https://hub.example:6443";
const CA = Buffer.from("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").toString("base64");

function kubeconfig(cluster: Record<string, unknown> = {}, user: Record<string, unknown> = { token: "t1" }): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "hub", server: SERVER, caData: CA, skipTLSVerify: false, ...cluster }],
    users: [{ name: "agent", ...user }],
    contexts: [{ name: "hub", cluster: "hub", user: "agent" }],
    currentContext: "hub",
  });
  return kc;
}

describe("rejectRotated", () => {
  const current = kubeconfig();

  it("accepts a token kubeconfig for the same server and CA", () => {
    expect(rejectRotated(kubeconfig({}, { token: "t2" }), current)).toBeUndefined();
    expect(rejectRotated(kubeconfig({ server: `${SERVER}/` }, { token: "t2" }), current)).toBeUndefined();
  });

  it("refuses what could run code, redirect the agent or weaken TLS", () => {
    expect(rejectRotated(kubeconfig({}, { token: "t2", exec: { command: "/bin/sh", args: ["-c", "id"], apiVersion: "client.authentication.k8s.io/v1" } }), current)).toMatch(/exec/);
    expect(rejectRotated(kubeconfig({}, { authProvider: { name: "oidc", config: {} } }), current)).toMatch(/auth-provider/);
    expect(rejectRotated(kubeconfig({ server: "https://evil.example:6443" }, { token: "t2" }), current)).toMatch(/another server/);
    expect(rejectRotated(kubeconfig({ caData: Buffer.from("other").toString("base64") }, { token: "t2" }), current)).toMatch(/certificate authority/);
    expect(rejectRotated(kubeconfig({ skipTLSVerify: true }, { token: "t2" }), current)).toMatch(/TLS verification/);
    expect(rejectRotated(kubeconfig({ proxyUrl: "http://proxy.evil:3128" }, { token: "t2" }), current)).toMatch(/proxy/);
    expect(rejectRotated(kubeconfig({}, { token: "t2", certData: "Y2VydA==", keyData: "a2V5" }), current)).toMatch(/other than a bearer token/);
    expect(rejectRotated(kubeconfig({}, {}), current)).toMatch(/no token/);
  });
});
