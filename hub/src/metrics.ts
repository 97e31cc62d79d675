/**
 * The hub's own Prometheus families (the runtime adds controller-runtime's
 * and client-go's), computed at scrape time from the caches of the term this
 * replica leads (a standby has none and reports zeros):
 *
 * - `work_hub_clusters{condition,status}`: this hub's ClusterProfiles by
 *   `Joined` and `ControlPlaneHealthy`;
 * - `work_hub_cluster_heartbeat_age_seconds{cluster}`: seconds since each
 *   cluster's agent last renewed its heartbeat Lease (no series before the
 *   agent's first heartbeat): the signal of an agent that went silent. One
 *   series per cluster, bounded by the fleet;
 * - `work_hub_works{condition,status}`: the Works the hub made for
 *   WorkPlacements, in every cluster namespace, by condition;
 * - `work_hub_workplacement_clusters{state}`: clusters of all WorkPlacements
 *   by state (selected, applied, available, failed, pending), from their status;
 * - `work_hub_leader`: 1 while this replica runs the controllers.
 */
import { AGENT_LEASE_NAME, ClusterProfileConditionType, ConditionType, type ClusterProfile, type Work, type WorkPlacement } from "@work-api/api";
import { setConditionCounts, type Registry } from "@work-api/runtime";
import { leaseState, type Lease } from "./health.js";
import { clusterNamespace } from "./names.js";
import { isOurs } from "./registration.js";

/** What the hub's gauges read: the caches of the current term. */
export interface HubCaches {
  profiles(): readonly ClusterProfile[];
  /** The Lease `name` in a cluster namespace. */
  lease(namespace: string, name: string): Lease | undefined;
  /** The Works the hub made for WorkPlacements. */
  works(): readonly Work[];
  placements(): readonly WorkPlacement[];
}

export interface HubMetricsOptions {
  clusterManager: string;
  /** Lease duration assumed when a Lease states none (as the health controller does). */
  defaultLeaseDurationMs: number;
  /** The caches while this replica leads; undefined otherwise. */
  caches: () => HubCaches | undefined;
  now?: () => number;
}

const CLUSTER_CONDITIONS = [ClusterProfileConditionType.Joined, ClusterProfileConditionType.ControlPlaneHealthy];
const WORK_CONDITIONS = [ConditionType.Applied, ConditionType.Available, ConditionType.Progressing, ConditionType.Degraded];
const PLACEMENT_STATES = ["selected", "applied", "available", "failed", "pending"] as const;

/** Registers the hub's families in `registry`. */
export function hubMetrics(registry: Registry, o: HubMetricsOptions): void {
  const now = o.now ?? Date.now;
  const ours = (c: HubCaches): ClusterProfile[] => c.profiles().filter((p) => isOurs(p, o.clusterManager) && !p.metadata.deletionTimestamp);
  const clusters = registry.gauge({
    name: "work_hub_clusters",
    help: "ClusterProfiles of this hub's cluster manager by condition (Joined, ControlPlaneHealthy) and status (True, False, Unknown).",
    labelNames: ["condition", "status"],
    collect: () => {
      const c = o.caches();
      setConditionCounts(clusters, c ? ours(c) : [], CLUSTER_CONDITIONS);
    },
  });
  const age = registry.gauge({
    name: "work_hub_cluster_heartbeat_age_seconds",
    help: "Seconds since the cluster's agent last renewed its heartbeat Lease in the cluster's hub namespace (no series before its first heartbeat).",
    labelNames: ["cluster"],
    collect: () => {
      age.reset();
      const c = o.caches();
      if (c === undefined) return;
      for (const p of ours(c)) {
        const name = p.metadata.name ?? "";
        const renewed = leaseState(c.lease(clusterNamespace(name), AGENT_LEASE_NAME), o.defaultLeaseDurationMs, now()).renewedMs;
        if (renewed !== undefined) age.set({ cluster: name }, Math.max(0, (now() - renewed) / 1000));
      }
    },
  });
  const works = registry.gauge({
    name: "work_hub_works",
    help: "Works the hub made for WorkPlacements, in all cluster namespaces, by condition (Applied, Available, Progressing, Degraded) and status (True, False, Unknown).",
    labelNames: ["condition", "status"],
    collect: () => setConditionCounts(works, o.caches()?.works() ?? [], WORK_CONDITIONS),
  });
  const placements = registry.gauge({
    name: "work_hub_workplacement_clusters",
    help: "Clusters of all WorkPlacements by state, summed from their status: selected, applied, available, failed, pending.",
    labelNames: ["state"],
    collect: () => {
      const sums = { selected: 0, applied: 0, available: 0, failed: 0, pending: 0 };
      for (const wp of o.caches()?.placements() ?? []) {
        const s = wp.status ?? {};
        sums.selected += s.selectedClusters ?? 0;
        sums.applied += s.appliedClusters ?? 0;
        sums.available += s.availableClusters ?? 0;
        sums.failed += s.failedClusters ?? 0;
        sums.pending += s.pendingClusters ?? 0;
      }
      for (const state of PLACEMENT_STATES) placements.set({ state }, sums[state]);
    },
  });
  const leader = registry.gauge({ name: "work_hub_leader", help: "1 while this replica runs the controllers (holds the leader Lease, or runs without leader election).", collect: () => leader.set(o.caches() !== undefined ? 1 : 0) });
}
