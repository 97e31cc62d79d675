/**
 * The agent's own Prometheus families (the runtime adds controller-runtime's
 * and client-go's): manifests by outcome, drift reverted, apply conflicts,
 * evictions, Works by condition, request counts per API server, reachability
 * and leadership. Gauges of cached state are computed at scrape time; no
 * label names a Work or an object, so the series stay bounded.
 */
import { ConditionType, type AppliedWork, type Work } from "@work-api/api";
import { ApplyFailureReason, type ManifestResult, type PruneResult } from "@work-api/apply";
import { setConditionCounts, type Counter, type KubeClient, type Registry } from "@work-api/runtime";

/**
 * Makes `counter` follow totals counted elsewhere (request stats, informer and credential counters):
 * each collect adds what the totals grew by. A total that shrinks (its source was dropped) never
 * counts the family down.
 */
export function mirror(counter: Counter, totals: () => Iterable<readonly [Record<string, string>, number]>): () => void {
  const seen = new Map<string, number>();
  return (): void => {
    for (const [labels, total] of totals()) {
      const key = JSON.stringify(labels);
      const prev = seen.get(key) ?? 0;
      counter.inc(labels, Math.max(0, total - prev));
      seen.set(key, Math.max(prev, total));
    }
  };
}

const VERBS = ["GET", "LIST", "WATCH", "POST", "PUT", "PATCH", "DELETE"] as const;

/** Mirrors a total counted elsewhere into a counter family of `registry`. */
function mirrored(registry: Registry, name: string, help: string, labelNames: readonly string[], totals: () => Iterable<readonly [Record<string, string>, number]>): void {
  const hook: { run?: () => void } = {};
  const c = registry.counter({ name, help, labelNames, collect: () => hook.run?.() });
  hook.run = mirror(c, totals);
}

/** A client's request counts by verb (and request body bytes) per API server: `cluster` is hub, hub-lease or spoke. */
export function countRequests(registry: Registry, clients: Record<string, KubeClient>): void {
  const all = Object.entries(clients);
  mirrored(registry, "work_agent_kube_requests_total", "Requests the agent sent to each API server, by verb.", ["cluster", "verb"], () =>
    all.flatMap(([cluster, client]) => VERBS.map((verb) => [{ cluster, verb }, client.stats()[verb]] as const)),
  );
  mirrored(registry, "work_agent_kube_request_bytes_total", "Request body bytes the agent sent to each API server.", ["cluster"], () => all.map(([cluster, client]) => [{ cluster }, client.stats().bytesSent] as const));
}

/** `work_agent_<name>_reachable`: set 1 or 0 by the reachability monitor. */
export function reachabilityGauge(registry: Registry, name: "hub" | "spoke"): (up: boolean) => void {
  const g = registry.gauge({ name: `work_agent_${name}_reachable`, help: `1 while the ${name} API server answers the agent's requests; 0 from a request that got no answer until a probe gets one.` });
  g.set(1);
  return (up) => g.set(up ? 1 : 0);
}

/** What the agent's gauges and mirrored counters read at scrape time. */
export interface AgentMetricSources {
  /** The Works of the agent's hub namespace, as cached. */
  works: () => readonly Work[];
  /** The agent's AppliedWorks on the spoke, as cached. */
  appliedWorks: () => readonly AppliedWork[];
  /** Rotated kubeconfigs refused so far. */
  credentialsRejected: () => number;
  /** Watches restarted for idleness so far, on the hub and on the spoke. */
  idleRestarts: () => { hub: number; spoke: number };
  /** Which cluster this agent serves, for `work_agent_info` (alerts join on it to name the cluster). */
  identity?: { clusterName: string; hubNamespace: string; version: string };
}

/** Where the agent reports what happened. */
export interface AgentMetrics {
  /** One reconcile's change set: manifests by outcome, drift reverted, conflicts. */
  onResults(results: readonly ManifestResult[], pruned: readonly PruneResult[]): void;
  onEviction(stage: "marked" | "cancelled" | "evicted"): void;
  setLeader(leading: boolean): void;
}

const WORK_CONDITIONS = [ConditionType.Applied, ConditionType.Available, ConditionType.Progressing, ConditionType.Degraded];

export function agentMetrics(registry: Registry, src: AgentMetricSources): AgentMetrics {
  mirrored(registry, "work_agent_credentials_rejected_total", "Rotated hub kubeconfigs refused: not a token kubeconfig for the same server and CA (exec, auth-provider, another server or CA, TLS verification off).", [], () => [[{}, src.credentialsRejected()]]);
  mirrored(registry, "work_agent_watch_idle_restarts_total", "Watches restarted because they delivered nothing, not even a bookmark, for --watch-idle-timeout (a frozen API server, a half-open connection).", ["cluster"], () => {
    const n = src.idleRestarts();
    return [[{ cluster: "hub" }, n.hub], [{ cluster: "spoke" }, n.spoke]];
  });
  const manifests = registry.counter({ name: "work_agent_manifests_total", help: "Manifest outcomes per reconcile (created, configured, unchanged, failed) and objects let go of (pruned: deleted; released: left to the other Works that list them; orphaned: left on the spoke by spec.deleteOption), on apply and on the Work's deletion.", labelNames: ["action"] });
  const drift = registry.counter({ name: "work_agent_drift_reverts_total", help: "Out-of-band changes to applied objects that the agent reverted: modified (edited, applied back) and deleted (re-created).", labelNames: ["change"] });
  const conflicts = registry.counter({ name: "work_agent_apply_conflicts_total", help: "Server-side apply conflicts: forced (fields of out-of-band managers taken back, --force-conflicts) and failed (the manifest reported ApplyConflict: another Work holds the field, or forcing is off).", labelNames: ["resolution"] });
  const evictions = registry.counter({ name: "work_agent_evictions_total", help: "Works found gone from the hub without their finalizer (marked), back within the grace period (cancelled), and evicted after it (evicted).", labelNames: ["stage"] });
  for (const action of ["created", "configured", "unchanged", "failed", "pruned", "released", "orphaned"]) manifests.inc({ action }, 0);
  for (const change of ["modified", "deleted"]) drift.inc({ change }, 0);
  for (const resolution of ["forced", "failed"]) conflicts.inc({ resolution }, 0);
  for (const stage of ["marked", "cancelled", "evicted"]) evictions.inc({ stage }, 0);
  const pending = registry.gauge({
    name: "work_agent_evictions_pending",
    help: "AppliedWorks whose Work is gone from the hub and whose objects wait for the eviction grace period.",
    collect: () => pending.set(src.appliedWorks().filter((aw) => aw.status?.evictionStartTime !== undefined).length),
  });
  const works = registry.gauge({
    name: "work_agent_works",
    help: "Works of the agent's hub namespace by condition (Applied, Available, Progressing, Degraded) and status (True, False, Unknown; a Work without the condition counts as Unknown), as cached.",
    labelNames: ["condition", "status"],
    collect: () => setConditionCounts(works, src.works(), WORK_CONDITIONS),
  });
  // Every agent runs in namespace work-agent: this info series is what tells clusters apart in a
  // central Prometheus (join on namespace and pod), as kube-state-metrics' *_info series do.
  const info = registry.gauge({ name: "work_agent_info", help: "1, labelled with the cluster this agent serves, its hub namespace and its version.", labelNames: ["cluster_name", "hub_namespace", "version"] });
  if (src.identity !== undefined) info.set({ cluster_name: src.identity.clusterName, hub_namespace: src.identity.hubNamespace, version: src.identity.version }, 1);
  const leader = registry.gauge({ name: "work_agent_leader", help: "1 while this replica reconciles (holds the leader Lease, or runs without leader election)." });
  leader.set(0);
  return {
    onResults: (results, pruned) => {
      for (const r of results) {
        manifests.inc({ action: r.action });
        if (r.drift !== undefined) drift.inc({ change: r.drift });
        if (r.forced === true) conflicts.inc({ resolution: "forced" });
        if (r.reason === ApplyFailureReason.ApplyConflict) conflicts.inc({ resolution: "failed" });
      }
      for (const p of pruned) if (p.action === "pruned" || p.action === "released" || p.action === "orphaned") manifests.inc({ action: p.action });
    },
    onEviction: (stage) => evictions.inc({ stage }),
    setLeader: (leading) => leader.set(leading ? 1 : 0),
  };
}
