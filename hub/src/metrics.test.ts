import { describe, expect, it } from "vitest";
import { AGENT_LEASE_NAME, CLUSTER_MANAGER_LABEL, type ClusterProfile, type Work, type WorkPlacement } from "@work-api/api";
import { Registry } from "@work-api/runtime";
import type { Lease } from "./health.js";
import { hubMetrics, type HubCaches } from "./metrics.js";
import { clusterNamespace } from "./names.js";

const NOW = Date.parse("2026-03-01T12:00:00Z");
const profile = (name: string, joined: string, manager = "work-api"): ClusterProfile =>
  ({
    apiVersion: "multicluster.x-k8s.io/v1alpha1",
    kind: "ClusterProfile",
    metadata: { name, namespace: "fleet", labels: { [CLUSTER_MANAGER_LABEL]: manager } },
    spec: { clusterManager: { name: manager } },
    status: { conditions: [{ type: "Joined", status: joined, reason: "r", message: "", lastTransitionTime: "" }] },
  }) as ClusterProfile;
const lease = (renewedSecondsAgo: number): Lease => ({ metadata: { name: AGENT_LEASE_NAME }, spec: { renewTime: new Date(NOW - renewedSecondsAgo * 1000).toISOString(), leaseDurationSeconds: 40 } });

function setup(caches: HubCaches | undefined) {
  const registry = new Registry();
  hubMetrics(registry, { clusterManager: "work-api", defaultLeaseDurationMs: 40_000, caches: () => caches, now: () => NOW });
  return registry;
}

describe("hub metrics", () => {
  const leases = new Map([[clusterNamespace("c1"), lease(5)], [clusterNamespace("c2"), lease(600)]]);
  const caches: HubCaches = {
    profiles: () => [profile("c1", "True"), profile("c2", "False"), profile("c3", "False"), profile("theirs", "True", "someone-else")],
    lease: (ns, name) => (name === AGENT_LEASE_NAME ? leases.get(ns) : undefined),
    works: () => [{ status: { conditions: [{ type: "Applied", status: "True" }] } } as Work, { status: { conditions: [{ type: "Applied", status: "False" }] } } as Work],
    placements: () => [{ status: { selectedClusters: 3, appliedClusters: 2, availableClusters: 1, failedClusters: 1, pendingClusters: 0 } } as WorkPlacement, { status: { selectedClusters: 2, pendingClusters: 2 } } as WorkPlacement],
  };

  it("reports this hub's clusters by condition and each agent's heartbeat age", async () => {
    const r = setup(caches);
    expect(await r.value("work_hub_clusters", { condition: "Joined", status: "True" })).toBe(1);
    expect(await r.value("work_hub_clusters", { condition: "Joined", status: "False" })).toBe(2);
    expect(await r.value("work_hub_clusters", { condition: "ControlPlaneHealthy", status: "Unknown" })).toBe(3);
    expect(await r.value("work_hub_cluster_heartbeat_age_seconds", { cluster: "c1" })).toBe(5);
    expect(await r.value("work_hub_cluster_heartbeat_age_seconds", { cluster: "c2" })).toBe(600);
    // No Lease yet: no series (the Joined gauge counts it); another manager's cluster: none either.
    const text = await r.render();
    expect(text).not.toContain('cluster="c3"');
    expect(text).not.toContain('cluster="theirs"');
    expect(await r.value("work_hub_leader")).toBe(1);
  });

  it("reports placement Works by condition and WorkPlacement clusters by state", async () => {
    const r = setup(caches);
    expect(await r.value("work_hub_works", { condition: "Applied", status: "True" })).toBe(1);
    expect(await r.value("work_hub_works", { condition: "Applied", status: "False" })).toBe(1);
    expect(await r.value("work_hub_workplacement_clusters", { state: "selected" })).toBe(5);
    expect(await r.value("work_hub_workplacement_clusters", { state: "pending" })).toBe(2);
    expect(await r.value("work_hub_workplacement_clusters", { state: "failed" })).toBe(1);
  });

  it("reports zeros and no heartbeat series on a standby (no caches)", async () => {
    const r = setup(undefined);
    expect(await r.value("work_hub_clusters", { condition: "Joined", status: "True" })).toBe(0);
    expect(await r.value("work_hub_leader")).toBe(0);
    expect(await r.render()).not.toContain("work_hub_cluster_heartbeat_age_seconds{");
  });
});
