import { describe, expect, it } from "vitest";
import { KubeConfig } from "@kubernetes/client-node";
import { buildAgentKubeconfig, hubEndpoint, parseAgentKubeconfig } from "./kubeconfig.js";

const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

describe("agent kubeconfig", () => {
  it("round-trips server, CA, token and namespace, and loads in client-node", () => {
    const text = buildAgentKubeconfig({ server: "https://hub:6443", caPem: CA, token: "tok", clusterName: "c1", namespace: "c1" });
    expect(parseAgentKubeconfig(text)).toEqual({ server: "https://hub:6443", caPem: CA, token: "tok", namespace: "c1" });
    const kc = new KubeConfig();
    kc.loadFromString(text);
    expect(kc.getCurrentCluster()?.server).toBe("https://hub:6443");
    expect(kc.getCurrentUser()?.token).toBe("tok");
    expect(kc.getContextObject(kc.getCurrentContext())?.namespace).toBe("c1");
  });

  it("parses garbage as empty", () => {
    expect(parseAgentKubeconfig("::: not yaml [")).toMatchObject({ token: undefined });
    expect(parseAgentKubeconfig(undefined)).toMatchObject({ server: undefined });
  });

  it("takes the hub URL and CA from the controller's kubeconfig unless overridden", () => {
    const kc = new KubeConfig();
    kc.loadFromString(buildAgentKubeconfig({ server: "https://127.0.0.1:6443/", caPem: CA, token: "x", clusterName: "a", namespace: "a" }));
    expect(hubEndpoint(kc)).toEqual({ server: "https://127.0.0.1:6443", caPem: CA });
    expect(hubEndpoint(kc, { hubUrl: "https://hub.example.com" }).server).toBe("https://hub.example.com");
  });
});
