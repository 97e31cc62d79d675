import { describe, expect, it } from "vitest";
import { CLUSTER_MANAGER_LABEL, ClusterProfileResource, type ClusterProfile } from "@work-api/api";
import { noopLogger } from "@work-api/runtime";
import { CredentialsReconciler, type Secret } from "./credentials.js";
import { FakeApi } from "./fake-api.js";
import { parseAgentKubeconfig } from "./kubeconfig.js";
import { AGENT_KUBECONFIG_SECRET, TOKEN_EXPIRATION_ANNOTATION, clusterLabels } from "./names.js";
import { Core } from "./ports.js";

const H = 3_600_000;

function setup(hubServer = "https://hub:6443") {
  const api = new FakeApi();
  let now = Date.parse("2026-01-01T00:00:00Z");
  api.now = () => now;
  api.seed(ClusterProfileResource, { apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "ClusterProfile", metadata: { name: "c1", namespace: "fleet", labels: { [CLUSTER_MANAGER_LABEL]: "work-api" } }, spec: { clusterManager: { name: "work-api" } } });
  api.seed(Core.Namespace, { apiVersion: "v1", kind: "Namespace", metadata: { name: "c1", labels: clusterLabels("c1", "fleet") } });
  api.seed(Core.ServiceAccount, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "work-agent", namespace: "c1" } });
  const make = (server: string) =>
    new CredentialsReconciler({
      clusterManager: "work-api",
      hub: { server, caPem: "CA" },
      policy: { lifetimeMs: 5 * H },
      profiles: api.cache<ClusterProfile>(ClusterProfileResource),
      namespaces: api.cache(Core.Namespace),
      serviceAccounts: api.cache(Core.ServiceAccount),
      secrets: api.cache<Secret>(Core.Secret),
      api,
      events: api,
      log: noopLogger,
      clock: { now: () => now },
    });
  const kubeconfig = () => {
    const s = api.read<Secret>(Core.Secret, "c1", AGENT_KUBECONFIG_SECRET)!;
    return parseAgentKubeconfig(Buffer.from(s.data!.kubeconfig!, "base64").toString());
  };
  return { api, rec: make(hubServer), make, kubeconfig, advance: (ms: number) => (now += ms) };
}

describe("credentials", () => {
  it("mints a kubeconfig bound to its Secret and schedules rotation at 80% of the lifetime", async () => {
    const { api, rec, kubeconfig } = setup();
    const r = await rec.reconcile("fleet/c1");
    const secret = api.read<Secret>(Core.Secret, "c1", AGENT_KUBECONFIG_SECRET)!;
    expect(api.tokens).toHaveLength(1);
    expect(api.tokens[0]!.spec).toMatchObject({ expirationSeconds: 18_000, boundObjectRef: { kind: "Secret", name: AGENT_KUBECONFIG_SECRET, uid: secret.metadata!.uid } });
    expect(kubeconfig()).toEqual({ server: "https://hub:6443", caPem: "CA", token: "token-1", namespace: "c1" });
    expect(secret.metadata?.annotations?.[TOKEN_EXPIRATION_ANNOTATION]).toBe("2026-01-01T05:00:00Z");
    expect(r.requeueAfter).toBe(4 * H);
    expect(api.events.map((e) => e.reason)).toEqual(["CredentialsIssued"]);
  });

  it("does not re-mint before rotation is due, then rotates", async () => {
    const { api, rec, kubeconfig, advance } = setup();
    await rec.reconcile("fleet/c1");
    advance(H);
    expect((await rec.reconcile("fleet/c1")).requeueAfter).toBe(3 * H);
    expect(api.tokens).toHaveLength(1);
    advance(3 * H);
    await rec.reconcile("fleet/c1");
    expect(api.tokens).toHaveLength(2);
    expect(kubeconfig().token).toBe("token-2");
    expect(api.events.map((e) => e.reason)).toEqual(["CredentialsIssued", "CredentialsRotated"]);
  });

  it("re-mints when the hub URL changes", async () => {
    const { api, rec, make, kubeconfig } = setup();
    await rec.reconcile("fleet/c1");
    await make("https://hub.example.com").reconcile("fleet/c1");
    expect(api.tokens).toHaveLength(2);
    expect(kubeconfig().server).toBe("https://hub.example.com");
  });

  it("waits for registration (no ServiceAccount yet)", async () => {
    const { api, rec } = setup();
    await api.delete(Core.ServiceAccount, "c1", "work-agent");
    await rec.reconcile("fleet/c1");
    expect(api.tokens).toEqual([]);
  });
});
