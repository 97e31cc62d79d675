import { describe, expect, it } from "vitest";
import { AGENT_LEASE_NAME, CLUSTER_MANAGER_LABEL, ClusterProfileResource, KUBERNETES_VERSION_ANNOTATION, findCondition, type ClusterProfile } from "@work-api/api";
import { noopLogger } from "@work-api/runtime";
import { FakeApi } from "./fake-api.js";
import { HealthReconciler } from "./health-controller.js";
import type { Lease } from "./health.js";
import { Core } from "./ports.js";

describe("health controller", () => {
  it("follows the Lease: True while renewed, False after it expires, with one Event per transition", async () => {
    const api = new FakeApi();
    let now = Date.parse("2026-01-01T00:00:00Z");
    api.seed(ClusterProfileResource, { apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "ClusterProfile", metadata: { name: "c1", namespace: "fleet", labels: { [CLUSTER_MANAGER_LABEL]: "work-api" } }, spec: { clusterManager: { name: "work-api" } } });
    const rec = new HealthReconciler({
      clusterManager: "work-api",
      profiles: api.cache<ClusterProfile>(ClusterProfileResource),
      leases: api.cache<Lease>(Core.Lease),
      api,
      events: api,
      log: noopLogger,
      defaultLeaseDurationMs: 40_000,
      clock: { now: () => now },
    });
    const joined = () => findCondition(api.read<ClusterProfile>(ClusterProfileResource, "fleet", "c1")!.status?.conditions, "Joined");

    await rec.reconcile("fleet/c1");
    expect(joined()).toMatchObject({ status: "Unknown", reason: "AgentNotConnected" });

    api.seed<Lease>(Core.Lease, {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: AGENT_LEASE_NAME, namespace: "c1", annotations: { [KUBERNETES_VERSION_ANNOTATION]: "v1.34.4" } },
      spec: { leaseDurationSeconds: 10, renewTime: new Date(now).toISOString() },
    });
    const r = await rec.reconcile("fleet/c1");
    expect(joined()).toMatchObject({ status: "True" });
    expect(api.read<ClusterProfile>(ClusterProfileResource, "fleet", "c1")!.status?.version?.kubernetes).toBe("v1.34.4");
    expect(r.requeueAfter).toBe(11_000);

    const writes = api.writes.length;
    now += 5_000;
    await rec.reconcile("fleet/c1");
    expect(api.writes.length).toBe(writes);

    now += 6_000;
    await rec.reconcile("fleet/c1");
    expect(joined()).toMatchObject({ status: "False", reason: "AgentLeaseExpired" });
    expect(api.events.map((e) => `${e.type}/${e.reason}`)).toEqual(["Warning/AgentNotConnected", "Normal/AgentLeaseRenewed", "Warning/AgentLeaseExpired"]);
  });
});
