import { describe, expect, it } from "vitest";
import {
  AGENT_LEASE_NAME,
  CLUSTERSET_LABEL,
  CLUSTER_MANAGER_LABEL,
  ClusterProfileResource,
  WORK_FINALIZER,
  WorkResource,
  findCondition,
  type ClusterProfile,
  type KubeObject,
  type Work,
} from "@work-api/api";
import { noopLogger } from "@work-api/runtime";
import { FakeApi } from "./fake-api.js";
import type { Lease } from "./health.js";
import { CLUSTER_FINALIZER, CLUSTER_LABEL, INVENTORY_NAMESPACE_LABEL, WORK_NAMESPACE_READY } from "./names.js";
import { Core } from "./ports.js";
import type { Role, RoleBinding } from "./rbac.js";
import { RegistrationReconciler, UNMANAGED_SINCE, isServed } from "./registration.js";
import { Removal } from "./removal.js";

const INV = "fleet";

function setup(graceMs = 60_000, hubAccess?: { role: string; synced: () => boolean }) {
  const api = new FakeApi();
  let now = Date.parse("2026-01-01T00:00:00Z");
  api.now = () => now;
  const clock = { now: () => now };
  api.seed(Core.Namespace, { apiVersion: "v1", kind: "Namespace", metadata: { name: INV, labels: { [CLUSTERSET_LABEL]: "prod" } } });
  const removal = new Removal({
    inventoryNamespace: INV,
    namespaces: api.cache(Core.Namespace),
    leases: api.cache<Lease>(Core.Lease),
    api,
    events: api,
    log: noopLogger,
    defaultLeaseDurationMs: 40_000,
    gracePeriodMs: graceMs,
    clock,
  });
  const reg = new RegistrationReconciler({
    inventoryNamespace: INV,
    clusterManager: "work-api",
    profiles: api.cache<ClusterProfile>(ClusterProfileResource),
    namespaces: api.cache(Core.Namespace),
    serviceAccounts: api.cache(Core.ServiceAccount),
    roles: api.cache<Role>(Core.Role),
    roleBindings: hubAccess ? { ...api.cache<RoleBinding>(Core.RoleBinding), synced: () => hubAccess.synced() } : api.cache<RoleBinding>(Core.RoleBinding),
    api,
    events: api,
    removal,
    log: noopLogger,
    clock,
    ...(hubAccess ? { hubAccess: { role: hubAccess.role, subject: () => ({ kind: "ServiceAccount", name: "work-hub", namespace: INV }) } } : {}),
  });
  const profile = (name: string, labels: Record<string, string> = { [CLUSTER_MANAGER_LABEL]: "work-api" }): ClusterProfile =>
    api.seed(ClusterProfileResource, {
      apiVersion: "multicluster.x-k8s.io/v1alpha1",
      kind: "ClusterProfile",
      metadata: { name, namespace: INV, labels },
      spec: { clusterManager: { name: "work-api" } },
    });
  return { api, reg, profile, advance: (ms: number) => (now += ms) };
}

describe("registration: the hub's own access to a cluster namespace", () => {
  it("binds the hub's ClusterRole first and makes nothing else there until the namespace's caches have listed", async () => {
    let synced = false;
    const { api, reg, profile } = setup(60_000, { role: "work-hub-cluster-namespace", synced: () => synced });
    profile("c1");
    expect(await reg.reconcile(`${INV}/c1`)).toEqual({ requeueAfter: 500 });
    const rb = api.read<RoleBinding>(Core.RoleBinding, "c1", "work-hub");
    expect(rb?.roleRef).toEqual({ apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "work-hub-cluster-namespace" });
    expect(rb?.subjects).toEqual([{ kind: "ServiceAccount", name: "work-hub", namespace: INV }]);
    expect(rb?.metadata?.labels).toMatchObject({ [CLUSTER_LABEL]: "c1", [INVENTORY_NAMESPACE_LABEL]: INV });
    expect(api.read(Core.ServiceAccount, "c1", "work-agent")).toBeUndefined();
    synced = true;
    expect(await reg.reconcile(`${INV}/c1`)).toEqual({});
    expect(api.read(Core.ServiceAccount, "c1", "work-agent")).toBeDefined();
    expect(api.read<RoleBinding>(Core.RoleBinding, "c1", "work-agent")).toBeDefined();
    // Drift of the hub's own binding is reverted like any other.
    api.seed(Core.RoleBinding, { ...rb!, subjects: [{ kind: "User", name: "mallory", apiGroup: "rbac.authorization.k8s.io" }] });
    await reg.reconcile(`${INV}/c1`);
    expect(api.read<RoleBinding>(Core.RoleBinding, "c1", "work-hub")?.subjects).toEqual([{ kind: "ServiceAccount", name: "work-hub", namespace: INV }]);
  });

  it("changes nothing in the namespace, its labels included, before its access there is in effect", async () => {
    let synced = false;
    const { api, reg, profile } = setup(60_000, { role: "work-hub-cluster-namespace", synced: () => synced });
    profile("c1");
    // A namespace of this hub's (from a hub that had cluster-wide rights) whose ClusterSet label is stale.
    api.seed(Core.Namespace, { apiVersion: "v1", kind: "Namespace", metadata: { name: "c1", labels: { [CLUSTER_LABEL]: "c1", [INVENTORY_NAMESPACE_LABEL]: INV, [CLUSTERSET_LABEL]: "old" } } });
    await reg.reconcile(`${INV}/c1`);
    expect(api.read(Core.Namespace, undefined, "c1")?.metadata?.labels?.[CLUSTERSET_LABEL]).toBe("old");
    expect(api.read(Core.RoleBinding, "c1", "work-hub")).toBeDefined();
    synced = true;
    await reg.reconcile(`${INV}/c1`);
    expect(api.read(Core.Namespace, undefined, "c1")?.metadata?.labels?.[CLUSTERSET_LABEL]).toBe("prod");
  });

  it("puts its access back before removing a cluster whose hub RoleBinding was deleted", async () => {
    const { api, reg, profile } = setup(60_000, { role: "work-hub-cluster-namespace", synced: () => true });
    profile("c1");
    await reg.reconcile(`${INV}/c1`);
    await reg.reconcile(`${INV}/c1`);
    await api.delete(Core.RoleBinding, "c1", "work-hub");
    const p = api.read<ClusterProfile>(ClusterProfileResource, INV, "c1")!;
    api.seed(ClusterProfileResource, { ...p, metadata: { ...p.metadata, deletionTimestamp: "2026-01-01T00:00:00Z" } });
    expect(await reg.reconcile(`${INV}/c1`)).toEqual({ requeueAfter: 500 });
    expect(api.read(Core.RoleBinding, "c1", "work-hub")).toBeDefined();
  });

  it("names the ClusterRole to check when the namespace stays unreadable after its binding exists", async () => {
    const { reg, profile, advance } = setup(60_000, { role: "work-hub-cluster-namespace", synced: () => false });
    profile("c1");
    expect(await reg.reconcile(`${INV}/c1`)).toEqual({ requeueAfter: 500 });
    advance(5_000);
    expect(await reg.reconcile(`${INV}/c1`)).toEqual({ requeueAfter: 500 });
    advance(6_000);
    await expect(reg.reconcile(`${INV}/c1`)).rejects.toThrow(/Namespace\/c1: .*ClusterRole work-hub-cluster-namespace/);
  });
});

describe("registration", () => {
  it("creates the hub namespace, ServiceAccount, Role and RoleBinding, and holds a finalizer", async () => {
    const { api, reg, profile } = setup();
    profile("c1");
    await reg.reconcile(`${INV}/c1`);
    const ns = api.read(Core.Namespace, undefined, "c1");
    expect(ns?.metadata?.labels).toMatchObject({ [CLUSTER_LABEL]: "c1", [INVENTORY_NAMESPACE_LABEL]: INV, [CLUSTERSET_LABEL]: "prod" });
    expect(api.read(Core.ServiceAccount, "c1", "work-agent")).toBeDefined();
    expect(api.read<Role>(Core.Role, "c1", "work-agent")?.rules.length).toBeGreaterThan(0);
    expect(api.read<RoleBinding>(Core.RoleBinding, "c1", "work-agent")?.subjects[0]).toMatchObject({ name: "work-agent", namespace: "c1" });
    const p = api.read<ClusterProfile>(ClusterProfileResource, INV, "c1")!;
    expect(p.metadata.finalizers).toContain(CLUSTER_FINALIZER);
    expect(findCondition(p.status?.conditions, WORK_NAMESPACE_READY)).toMatchObject({ status: "True", reason: "NamespaceReady" });
  });

  it("takes the ClusterSet from the hub's inventory only, never from what the spoke reports", async () => {
    const { api, reg, profile } = setup();
    const p = profile("c2");
    await api.updateStatus(ClusterProfileResource, { ...p, status: { properties: [{ name: "clusterset.k8s.io", value: "evil", lastObservedTime: "2026-01-01T00:00:00Z" }] } });
    await reg.reconcile(`${INV}/c2`);
    expect(api.read(Core.Namespace, undefined, "c2")?.metadata?.labels?.[CLUSTERSET_LABEL]).toBe("prod");
    // An inventory without a ClusterSet: none, whatever the spoke says.
    const inv = api.read<KubeObject>(Core.Namespace, undefined, INV)!;
    await api.update(Core.Namespace, { ...inv, metadata: { ...inv.metadata, labels: {} } });
    const q = profile("c3");
    await api.updateStatus(ClusterProfileResource, { ...q, status: { properties: [{ name: "clusterset.k8s.io", value: "evil", lastObservedTime: "2026-01-01T00:00:00Z" }] } });
    await reg.reconcile(`${INV}/c3`);
    expect(api.read(Core.Namespace, undefined, "c3")?.metadata?.labels?.[CLUSTERSET_LABEL]).toBeUndefined();
    // A label given earlier (by the inventory then, or by a spoke's claim in an older version) goes.
    await reg.reconcile(`${INV}/c2`);
    expect(api.read(Core.Namespace, undefined, "c2")?.metadata?.labels?.[CLUSTERSET_LABEL]).toBeUndefined();
  });

  it("writes nothing on a second pass, and reverts drift", async () => {
    const { api, reg, profile } = setup();
    profile("c1");
    await reg.reconcile(`${INV}/c1`);
    const before = api.writes.length;
    await reg.reconcile(`${INV}/c1`);
    expect(api.writes.slice(before)).toEqual([]);
    const role = api.read<Role>(Core.Role, "c1", "work-agent")!;
    await api.update(Core.Role, { ...role, rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }] });
    await reg.reconcile(`${INV}/c1`);
    expect(JSON.stringify(api.read<Role>(Core.Role, "c1", "work-agent")!.rules)).not.toContain("*");
  });

  it("ignores ClusterProfiles of other cluster managers", async () => {
    const { api, reg, profile } = setup();
    profile("other", { [CLUSTER_MANAGER_LABEL]: "someone-else" });
    await reg.reconcile(`${INV}/other`);
    expect(api.read(Core.Namespace, undefined, "other")).toBeUndefined();
    expect(api.writes).toEqual([]);
  });

  it("never adopts a namespace it did not create", async () => {
    const { api, reg, profile } = setup();
    api.seed(Core.Namespace, { apiVersion: "v1", kind: "Namespace", metadata: { name: "kube-system" } });
    profile("kube-system");
    await reg.reconcile(`${INV}/kube-system`);
    const p = api.read<ClusterProfile>(ClusterProfileResource, INV, "kube-system")!;
    expect(findCondition(p.status?.conditions, WORK_NAMESPACE_READY)).toMatchObject({ status: "False", reason: "NamespaceConflict" });
    expect(api.read(Core.ServiceAccount, "kube-system", "work-agent")).toBeUndefined();
    expect(api.events.map((e) => e.reason)).toContain("NamespaceConflict");
    // ... nor deletes it when the profile goes.
    await api.delete(ClusterProfileResource, INV, "kube-system");
    await reg.reconcile(`${INV}/kube-system`);
    expect(api.read(Core.Namespace, undefined, "kube-system")?.metadata?.deletionTimestamp).toBeUndefined();
    expect(api.read(ClusterProfileResource, INV, "kube-system")).toBeUndefined();
  });
});

describe("removal", () => {
  function work(api: FakeApi, name: string): Work {
    return api.seed<Work>(WorkResource, {
      apiVersion: "multicluster.x-k8s.io/v1alpha1",
      kind: "Work",
      metadata: { name, namespace: "c1", finalizers: [WORK_FINALIZER] },
      spec: {},
    });
  }
  function lease(api: FakeApi, renewMs: number): void {
    const l: Lease = { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: AGENT_LEASE_NAME, namespace: "c1" }, spec: { leaseDurationSeconds: 40, renewTime: new Date(renewMs).toISOString() } };
    const live = api.read<Lease>(Core.Lease, "c1", AGENT_LEASE_NAME);
    if (live) void api.update(Core.Lease, { ...l, metadata: live.metadata });
    else api.seed(Core.Lease, l);
  }

  it("deletes the Works, waits for a live agent, then deletes the namespace and releases the profile", async () => {
    const { api, reg, profile } = setup();
    profile("c1");
    await reg.reconcile(`${INV}/c1`);
    work(api, "w1");
    lease(api, api.now());
    await api.delete(ClusterProfileResource, INV, "c1");
    const r = await reg.reconcile(`${INV}/c1`);
    expect(r.requeueAfter).toBeGreaterThan(0);
    expect(api.read<Work>(WorkResource, "c1", "w1")?.metadata.deletionTimestamp).toBeDefined();
    // The agent cleans up and drops its finalizer.
    const w = api.read<Work>(WorkResource, "c1", "w1")!;
    await api.update(WorkResource, { ...w, metadata: { ...w.metadata, finalizers: [] } });
    await reg.reconcile(`${INV}/c1`);
    expect(api.read(Core.Namespace, undefined, "c1")?.metadata?.deletionTimestamp).toBeDefined();
    api.finishNamespace("c1");
    await reg.reconcile(`${INV}/c1`);
    expect(api.read(ClusterProfileResource, INV, "c1")).toBeUndefined();
    expect(api.events.find((e) => e.reason === "OrphanedWorkResources")).toBeUndefined();
  });

  it("releases the agent's finalizers once its Lease expired past the grace period, with an Event naming the Works", async () => {
    const { api, reg, profile, advance } = setup(60_000);
    profile("c1");
    await reg.reconcile(`${INV}/c1`);
    work(api, "w1");
    work(api, "w2");
    lease(api, api.now());
    await api.delete(ClusterProfileResource, INV, "c1");
    advance(30_000);
    await reg.reconcile(`${INV}/c1`);
    expect(api.read<Work>(WorkResource, "c1", "w1")?.metadata.finalizers).toEqual([WORK_FINALIZER]); // agent still fresh
    advance(40_000); // Lease expired 30 s ago: within grace
    await reg.reconcile(`${INV}/c1`);
    expect(api.read<Work>(WorkResource, "c1", "w1")).toBeDefined();
    advance(31_000);
    await reg.reconcile(`${INV}/c1`);
    expect(api.read<Work>(WorkResource, "c1", "w1")).toBeUndefined();
    expect(api.read<Work>(WorkResource, "c1", "w2")).toBeUndefined();
    const ev = api.events.find((e) => e.reason === "OrphanedWorkResources");
    expect(ev).toMatchObject({ type: "Warning", name: "c1" });
    expect(ev?.message).toContain("w1, w2");
    await reg.reconcile(`${INV}/c1`);
    api.finishNamespace("c1");
    await reg.reconcile(`${INV}/c1`);
    expect(api.read(ClusterProfileResource, INV, "c1")).toBeUndefined();
  });

  it("cleans up when the profile stops carrying this hub's cluster-manager label, only after the grace period", async () => {
    const { api, reg, profile, advance } = setup();
    profile("c1");
    await reg.reconcile(`${INV}/c1`);
    api.seed(WorkResource, { apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "Work", metadata: { name: "w", namespace: "c1" }, spec: { workload: { manifests: [] } } });
    const p = api.read<ClusterProfile>(ClusterProfileResource, INV, "c1")!;
    await api.update(ClusterProfileResource, { ...p, metadata: { ...p.metadata, labels: {} } });
    // Marked, nothing removed, and a requeue for when the period ends.
    const first = await reg.reconcile(`${INV}/c1`);
    expect(first.requeueAfter).toBeGreaterThan(0);
    const marked = api.read<ClusterProfile>(ClusterProfileResource, INV, "c1")!;
    expect(marked.metadata.annotations?.[UNMANAGED_SINCE]).toBe(new Date(Date.parse("2026-01-01T00:00:00Z")).toISOString());
    expect(api.events.some((e) => e.reason === "ReleasePending")).toBe(true);
    expect(isServed(marked, "work-api", 300_000, Date.parse("2026-01-01T00:04:59Z"))).toBe(true);
    expect(isServed(marked, "work-api", 300_000, Date.parse("2026-01-01T00:05:00Z"))).toBe(false);
    advance(299_000);
    await reg.reconcile(`${INV}/c1`);
    expect(api.read<Work>(WorkResource, "c1", "w")).toBeDefined();
    expect(api.read<KubeObject>(Core.Namespace, undefined, "c1")?.metadata?.deletionTimestamp).toBeUndefined();
    // Past it: the Works go first, then the namespace, then the finalizer.
    advance(1_000);
    await reg.reconcile(`${INV}/c1`);
    expect(api.read<Work>(WorkResource, "c1", "w")).toBeUndefined();
    await reg.reconcile(`${INV}/c1`);
    api.finishNamespace("c1");
    await reg.reconcile(`${INV}/c1`);
    expect(api.read<KubeObject>(ClusterProfileResource, INV, "c1")?.metadata?.finalizers ?? []).not.toContain(CLUSTER_FINALIZER);
  });

  it("cancels a pending release when the label comes back: nothing removed", async () => {
    const { api, reg, profile, advance } = setup();
    profile("c1");
    await reg.reconcile(`${INV}/c1`);
    api.seed(WorkResource, { apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "Work", metadata: { name: "w", namespace: "c1" }, spec: { workload: { manifests: [] } } });
    const p = api.read<ClusterProfile>(ClusterProfileResource, INV, "c1")!;
    await api.update(ClusterProfileResource, { ...p, metadata: { ...p.metadata, labels: { [CLUSTER_MANAGER_LABEL]: "someone-else" } } });
    await reg.reconcile(`${INV}/c1`);
    advance(60_000);
    const marked = api.read<ClusterProfile>(ClusterProfileResource, INV, "c1")!;
    await api.update(ClusterProfileResource, { ...marked, metadata: { ...marked.metadata, labels: { [CLUSTER_MANAGER_LABEL]: "work-api" } } });
    await reg.reconcile(`${INV}/c1`);
    expect(api.read<ClusterProfile>(ClusterProfileResource, INV, "c1")!.metadata.annotations?.[UNMANAGED_SINCE]).toBeUndefined();
    expect(api.events.some((e) => e.reason === "ReleaseCancelled")).toBe(true);
    // Long after the old period would have ended: still there.
    advance(600_000);
    await reg.reconcile(`${INV}/c1`);
    expect(api.read<Work>(WorkResource, "c1", "w")).toBeDefined();
  });
});
