import { describe, expect, it } from "vitest";
import {
  CLUSTER_MANAGER_LABEL,
  ClusterProfileResource,
  PlacementDecisionResource,
  WorkPlacementResource,
  WorkResource,
  findCondition,
  type ClusterProfile,
  type PlacementDecision,
  type Work,
  type WorkPlacement,
} from "@work-api/api";
import { noopLogger } from "@work-api/runtime";
import { FakeApi } from "./fake-api.js";
import { CLUSTER_FINALIZER, PLACEMENT_FINALIZER, clusterLabels } from "./names.js";
import { UNMANAGED_SINCE } from "./registration.js";
import { PlacementReconciler } from "./placement-controller.js";
import { Core, type Cache } from "./ports.js";

const INV = "fleet";

function setup(worksCache?: (api: FakeApi) => Cache<Work>, writeConcurrency?: number) {
  const api = new FakeApi();
  let now = Date.parse("2026-01-01T00:00:00Z");
  const rec = new PlacementReconciler({
    clock: { now: () => now },
    releaseGracePeriodMs: 60_000,
    inventoryNamespace: INV,
    clusterManager: "work-api",
    placements: api.cache<WorkPlacement>(WorkPlacementResource),
    profiles: api.cache<ClusterProfile>(ClusterProfileResource),
    decisions: api.cache<PlacementDecision>(PlacementDecisionResource),
    works: worksCache ? worksCache(api) : api.cache<Work>(WorkResource),
    namespaces: api.cache(Core.Namespace),
    api,
    events: api,
    log: noopLogger,
    ...(writeConcurrency !== undefined ? { writeConcurrency } : {}),
  });
  const cluster = (name: string, labels: Record<string, string>) => {
    api.seed(ClusterProfileResource, { apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "ClusterProfile", metadata: { name, namespace: INV, labels: { [CLUSTER_MANAGER_LABEL]: "work-api", ...labels } }, spec: { clusterManager: { name: "work-api" } } });
    api.seed(Core.Namespace, { apiVersion: "v1", kind: "Namespace", metadata: { name, labels: clusterLabels(name, INV) } });
  };
  const placement = (spec: Partial<WorkPlacement["spec"]>) =>
    api.seed<WorkPlacement>(WorkPlacementResource, {
      apiVersion: "multicluster.x-k8s.io/v1alpha1",
      kind: "WorkPlacement",
      metadata: { name: "web", namespace: INV },
      spec: { workTemplate: { spec: { workload: { manifests: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm", namespace: "default" } }] } } }, ...spec },
    });
  const get = () => api.read<WorkPlacement>(WorkPlacementResource, INV, "web")!;
  return { api, rec, cluster, placement, get, advance: (ms: number) => (now += ms) };
}

describe("placement controller", () => {
  it("fans out with bounded-parallel creates: every selected cluster gets its Work, at most writeConcurrency at once", async () => {
    const { api, rec, cluster, placement } = setup(undefined, 3);
    const names = Array.from({ length: 10 }, (_, i) => `c${i}`);
    for (const n of names) cluster(n, { env: "prod" });
    placement({ clusterSelector: { matchLabels: { env: "prod" } } });
    let inFlight = 0;
    let peak = 0;
    const create = api.create.bind(api);
    api.create = (async (ref: Parameters<FakeApi["create"]>[0], obj: Parameters<FakeApi["create"]>[1]) => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, 5));
      try {
        return await create(ref, obj);
      } finally {
        inFlight--;
      }
    }) as FakeApi["create"];
    await rec.reconcile(`${INV}/web`);
    expect(names.filter((n) => api.read(WorkResource, n, "web") === undefined)).toEqual([]);
    expect(peak).toBe(3);
  });

  it("keeps the Work of a cluster whose profile lost its cluster-manager label until the release grace period ends", async () => {
    const { api, rec, cluster, placement, advance } = setup();
    cluster("a", { env: "prod" });
    placement({ clusterSelector: { matchLabels: { env: "prod" } } });
    await rec.reconcile(`${INV}/web`);
    expect(api.read(WorkResource, "a", "web")).toBeDefined();
    // Registration holds its finalizer on the profile and marks when the label went.
    const a = api.read<ClusterProfile>(ClusterProfileResource, INV, "a")!;
    await api.update(ClusterProfileResource, {
      ...a,
      metadata: { ...a.metadata, labels: { env: "prod" }, finalizers: [CLUSTER_FINALIZER], annotations: { [UNMANAGED_SINCE]: "2026-01-01T00:00:00.000Z" } },
    });
    advance(59_000);
    await rec.reconcile(`${INV}/web`);
    expect(api.read(WorkResource, "a", "web")).toBeDefined();
    advance(1_000);
    await rec.reconcile(`${INV}/web`);
    expect(api.read(WorkResource, "a", "web")).toBeUndefined();
  });

  it("creates Works in selected clusters, follows label changes, and reports status", async () => {
    const { api, rec, cluster, placement, get } = setup();
    cluster("a", { env: "prod" });
    cluster("b", { env: "prod" });
    cluster("c", { env: "dev" });
    placement({ clusterSelector: { matchLabels: { env: "prod" } } });
    await rec.reconcile(`${INV}/web`);
    expect(get().metadata.finalizers).toContain(PLACEMENT_FINALIZER);
    expect(api.read(WorkResource, "a", "web")).toBeDefined();
    expect(api.read(WorkResource, "b", "web")).toBeDefined();
    expect(api.read(WorkResource, "c", "web")).toBeUndefined();
    expect(get().status).toMatchObject({ selectedClusters: 2, appliedClusters: 0, pendingClusters: 0 });
    expect(findCondition(get().status?.conditions, "Progressing")?.status).toBe("True");

    // b leaves the selection: its Work is deleted.
    const b = api.read<ClusterProfile>(ClusterProfileResource, INV, "b")!;
    await api.update(ClusterProfileResource, { ...b, metadata: { ...b.metadata, labels: { ...b.metadata.labels, env: "dev" } } });
    await rec.reconcile(`${INV}/web`);
    expect(api.read(WorkResource, "b", "web")).toBeUndefined();
    expect(get().status?.selectedClusters).toBe(1);
  });

  it("does not overwrite a Work it did not create", async () => {
    const { api, rec, cluster, placement, get } = setup();
    cluster("a", {});
    api.seed<Work>(WorkResource, { apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "Work", metadata: { name: "web", namespace: "a" }, spec: { workload: { manifests: [] } } });
    placement({ clusterSelector: {} });
    await rec.reconcile(`${INV}/web`);
    expect(api.read<Work>(WorkResource, "a", "web")!.spec.workload?.manifests).toEqual([]);
    expect(get().status?.failures).toEqual([expect.objectContaining({ clusterName: "a", reason: "WorkConflict" })]);
  });

  it("deletes its Works when it is deleted, then lets go", async () => {
    const { api, rec, cluster, placement } = setup();
    cluster("a", {});
    placement({ clusterSelector: {} });
    await rec.reconcile(`${INV}/web`);
    await api.delete(WorkPlacementResource, INV, "web");
    await rec.reconcile(`${INV}/web`);
    expect(api.read(WorkResource, "a", "web")).toBeUndefined();
    expect(api.read(WorkPlacementResource, INV, "web")).toBeUndefined();
  });

  it("does not plan on a Works cache that misses its own writes (maxConcurrency holds)", async () => {
    let frozen: Work[] | undefined;
    const { api, rec, cluster, placement } = setup((a) => ({
      get: (ns, name) => a.read<Work>(WorkResource, ns, name),
      // A cache stuck before the first write.
      list: () => frozen ?? a.cache<Work>(WorkResource).list(),
    }));
    for (const c of ["a", "b", "c"]) cluster(c, {});
    placement({ clusterSelector: {}, maxConcurrency: 1 });
    frozen = [];
    await rec.reconcile(`${INV}/web`);
    expect(api.writes.filter((w) => w.startsWith("create works"))).toEqual(["create works a/web"]);
    const r = await rec.reconcile(`${INV}/web`);
    expect(r.requeueAfter).toBeGreaterThan(0);
    expect(api.writes.filter((w) => w.startsWith("create works"))).toHaveLength(1);
    frozen = undefined; // the cache catches up: a's Work is in flight, b and c wait
    await rec.reconcile(`${INV}/web`);
    expect(api.writes.filter((w) => w.startsWith("create works"))).toHaveLength(1);
  });
});
