import { KubeConfig } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { buildKubeconfig } from "./kubeconfig.js";

describe("buildKubeconfig", () => {
  it("names context, cluster and user after the cluster and embeds the CA", () => {
    const text = buildKubeconfig({ name: "spoke1", server: "https://127.0.0.1:6443", caPem: "PEM", token: "t0k" });
    const kc = new KubeConfig();
    kc.loadFromString(text);
    expect(kc.getCurrentContext()).toBe("spoke1");
    expect(kc.getCurrentCluster()).toMatchObject({ name: "spoke1", server: "https://127.0.0.1:6443", caData: Buffer.from("PEM").toString("base64") });
    expect(kc.getCurrentUser()).toMatchObject({ name: "spoke1", token: "t0k" });
  });
});
