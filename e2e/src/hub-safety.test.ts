/**
 * Hub-side safety on a real hub: a ClusterProfile that loses its
 * x-k8s.io/cluster-manager label keeps its namespace and Works for
 * --removal-grace-period (the label coming back cancels it), and a work-hub
 * that loses its leader Lease stops acting (in-flight reconciles and
 * requests aborted) before another replica can take over.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLUSTER_MANAGER_LABEL, ClusterProfileResource, WorkResource, type ClusterProfile, type KubeObject, type Work } from "@work-api/api";
import { UNMANAGED_SINCE, startHub, type RunningHub } from "@work-api/hub";
import { KubeClient, Registry, noopLogger } from "@work-api/runtime";
import { hubKubeconfig, testNamespace, waitFor } from "./env.js";
import { BlackholeProxy, kubeconfigVia, serverOf } from "./fault-plane.js";

const GRACE_MS = 8_000;
const admin = KubeClient.fromFile(hubKubeconfig());
const Namespaces = { group: "", version: "v1", resource: "namespaces", namespaced: false, kind: "Namespace" };

async function profileOf(inv: string, name: string): Promise<ClusterProfile> {
  return admin.get<ClusterProfile>(ClusterProfileResource, name, { namespace: inv });
}

async function setLabel(inv: string, name: string, value: string | undefined): Promise<void> {
  await admin.patch(ClusterProfileResource, name, { metadata: { labels: { [CLUSTER_MANAGER_LABEL]: value ?? null } } }, { namespace: inv, type: "merge" });
}

async function exists(ref: typeof WorkResource | typeof Namespaces, name: string, namespace?: string): Promise<boolean> {
  try {
    const o = await admin.get<KubeObject>(ref, name, namespace !== undefined ? { namespace } : {});
    return o.metadata?.deletionTimestamp === undefined;
  } catch {
    return false;
  }
}

describe("a ClusterProfile that loses its cluster-manager label", () => {
  const inv = testNamespace("hsafe-fleet");
  const cluster = `hsafe-${inv.slice(-6)}`;
  let hub: RunningHub;

  beforeAll(async () => {
    hub = await startHub({ logger: noopLogger, kubeconfig: hubKubeconfig(), inventoryNamespace: inv, leaderElect: false, healthAddr: "0", metricsAddr: "0", removalGracePeriodMs: GRACE_MS });
    await admin.create(ClusterProfileResource, { apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "ClusterProfile", metadata: { name: cluster, namespace: inv, labels: { [CLUSTER_MANAGER_LABEL]: "work-api" } }, spec: { clusterManager: { name: "work-api" } } });
    await waitFor(() => exists(Namespaces, cluster), { message: "hub namespace" });
    await admin.create<Work>(WorkResource, { apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "Work", metadata: { name: "w", namespace: cluster }, spec: { workload: { manifests: [] } } });
  });

  afterAll(async () => {
    await admin.delete(ClusterProfileResource, cluster, { namespace: inv }).catch(() => undefined);
    await waitFor(async () => !(await exists(Namespaces, cluster)), { timeoutMs: 60_000 }).catch(() => undefined);
    await hub?.stop();
  });

  it("keeps its Works through the grace period when the label comes back, and removes them after it otherwise", async () => {
    await setLabel(inv, cluster, "someone-else");
    const mark = await waitFor(async () => (await profileOf(inv, cluster)).metadata.annotations?.[UNMANAGED_SINCE], { message: "release pending mark" });
    await setLabel(inv, cluster, "work-api");
    await waitFor(async () => (await profileOf(inv, cluster)).metadata.annotations?.[UNMANAGED_SINCE] === undefined, { message: "mark cleared" });
    // Past the end of the period the first change would have had: nothing removed.
    await waitFor(() => Date.now() > Date.parse(mark) + GRACE_MS + 2_000, { timeoutMs: GRACE_MS + 5_000 });
    expect(await exists(WorkResource, "w", cluster)).toBe(true);
    expect(await exists(Namespaces, cluster)).toBe(true);

    await setLabel(inv, cluster, undefined);
    const start = Date.parse(await waitFor(async () => (await profileOf(inv, cluster)).metadata.annotations?.[UNMANAGED_SINCE], { message: "second mark" }));
    const goneAt = await waitFor(async () => ((await exists(WorkResource, "w", cluster)) ? undefined : Date.now()), { timeoutMs: GRACE_MS + 30_000, intervalMs: 200, message: "Works removed after the grace period" });
    expect(goneAt - start).toBeGreaterThanOrEqual(GRACE_MS - 200);
    await waitFor(async () => !(await exists(Namespaces, cluster)), { timeoutMs: 60_000, message: "hub namespace removed" });
  }, 120_000);
});

describe("a work-hub that loses its leader Lease", () => {
  const inv = testNamespace("hsafe-lease");
  // The margin between the old leader stopping and the new one acquiring is about 0.2 × the lease.
  const LEASE_MS = 10_000;
  let proxy: BlackholeProxy;
  let a: RunningHub | undefined;
  let b: RunningHub | undefined;
  const registryA = new Registry();

  beforeAll(async () => {
    proxy = new BlackholeProxy(serverOf(hubKubeconfig()));
    await proxy.listen();
  });

  afterAll(async () => {
    // b leads: it removes the profiles (their namespaces and finalizers) before it stops.
    for (const p of (await admin.list<ClusterProfile>(ClusterProfileResource, { namespace: inv })).items) await admin.delete(ClusterProfileResource, p.metadata.name!, { namespace: inv }).catch(() => undefined);
    await waitFor(async () => (await admin.list(ClusterProfileResource, { namespace: inv })).items.length === 0, { timeoutMs: 60_000 }).catch(() => undefined);
    await b?.stop();
    await a?.stop().catch(() => undefined);
    await proxy?.close();
  });

  it("aborts its reconciles and stops before the other replica takes over", async () => {
    const common = { logger: noopLogger, inventoryNamespace: inv, leaderElect: true, leaderElectionLeaseDurationMs: LEASE_MS, healthAddr: "0", metricsAddr: "0" };
    a = await startHub({ ...common, kubeconfig: kubeconfigVia(hubKubeconfig(), `https://127.0.0.1:${proxy.port}`), registry: registryA });
    await waitFor(() => a!.isLeader(), { message: "a leads" });
    b = await startHub({ ...common, kubeconfig: hubKubeconfig() });
    let aStoppedAt = 0;
    const aDone = a.done.then(
      () => "stopped",
      (e: unknown) => ((aStoppedAt = Date.now()), (e as Error).message),
    );
    // A half-open network between a and the hub while a reconciles: its requests and renewals hang.
    const activeA = (): Promise<number> => registryA.value("controller_runtime_active_workers");
    let caught = false;
    for (let i = 0; i < 30 && !caught; i++) {
      await admin.create(ClusterProfileResource, { apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "ClusterProfile", metadata: { name: `${inv.slice(-6)}-l${i}`, namespace: inv, labels: { [CLUSTER_MANAGER_LABEL]: "work-api" } }, spec: { clusterManager: { name: "work-api" } } });
      const until = Date.now() + 500;
      while (Date.now() < until && !caught) {
        if ((await activeA()) > 0) {
          proxy.blackholed = true;
          caught = true;
        } else await new Promise((r) => setImmediate(r));
      }
    }
    expect(caught, "a reconcile of a was in flight at the cut").toBe(true);
    const cut = Date.now();
    const bLeadsAt = await waitFor(() => (b!.isLeader() ? Date.now() : undefined), { timeoutMs: LEASE_MS * 5, intervalMs: 20, message: "b takes over" });
    expect(await aDone).toMatch(/lost the leader Lease/);
    expect(aStoppedAt).toBeGreaterThan(0);
    expect(aStoppedAt).toBeLessThan(bLeadsAt);
    expect(a.isLeader()).toBe(false);
    // Nothing of a's still runs: no reconcile in flight.
    const active = (await registryA.render()).split("\n").filter((l) => l.startsWith("controller_runtime_active_workers{"));
    expect(active.length).toBeGreaterThan(0);
    for (const l of active) expect(Number(l.split(" ").pop())).toBe(0);
    console.info(`[fault] work-hub lease lost: a stopped ${aStoppedAt - cut} ms after the cut, b leads ${bLeadsAt - cut} ms after it (lease ${LEASE_MS} ms)`);
  }, 60_000);
});
