/**
 * work-agent configuration: every flag, its environment variable and its
 * default, in one table that also renders `work-agent --help`.
 */
import { UsageError, type FlagSpec, type FlagValues } from "@work-api/runtime";

export const AGENT_FLAGS: readonly FlagSpec[] = [
  { name: "hub-kubeconfig", type: "string", env: "WORK_AGENT_HUB_KUBECONFIG", required: true, description: "Kubeconfig of the agent's identity on the hub (read Works in its namespace, write their status and finalizers)." },
  { name: "hub-kubeconfig-secret", type: "string", env: "WORK_AGENT_HUB_KUBECONFIG_SECRET", description: "NAMESPACE/NAME of the spoke Secret the hub kubeconfig file is mounted from; the agent writes rotated hub credentials into it so a restart starts with a valid token. Empty: only the file is updated, when writable." },
  { name: "credentials-refresh-period", type: "duration", env: "WORK_AGENT_CREDENTIALS_REFRESH_PERIOD", default: 300_000, description: "How often the agent re-reads its rotated hub kubeconfig from the Secret work-agent-hub-kubeconfig in its hub namespace. The hub rotates tokens well before they expire." },
  { name: "spoke-kubeconfig", type: "string", env: "WORK_AGENT_SPOKE_KUBECONFIG", defaultText: "in-cluster config, then $KUBECONFIG, then ~/.kube/config", description: "Kubeconfig of the managed cluster the agent applies to." },
  { name: "cluster-name", type: "string", env: "WORK_AGENT_CLUSTER_NAME", defaultText: "the spoke's ClusterProperty cluster.clusterset.k8s.io", description: "Name of this managed cluster. The agent exits with a message when neither the flag nor the ClusterProperty is set." },
  { name: "hub-namespace", type: "string", env: "WORK_AGENT_HUB_NAMESPACE", defaultText: "the cluster name", description: "Hub namespace holding this cluster's Works." },
  { name: "field-manager", type: "string", env: "WORK_AGENT_FIELD_MANAGER", default: "work-agent", description: "Base server-side-apply field manager; each Work applies as <field-manager>-<work id> (at most 128 characters)." },
  { name: "force-conflicts", type: "bool", env: "WORK_AGENT_FORCE_CONFLICTS", default: true, description: "Override out-of-band field managers (kubectl, other controllers) for the fields a Work sets, with a forced second apply (drift is reverted). With false, such a conflict fails the manifest with reason ApplyConflict. Fields another Work holds are never taken: that Work keeps them and this one reports ApplyConflict." },
  { name: "default-executor", type: "string", env: "WORK_AGENT_DEFAULT_EXECUTOR", defaultText: "the agent's own identity", description: "NAMESPACE/NAME of the spoke ServiceAccount that applies, updates and deletes the objects of Works without spec.executor (the agent impersonates it, so the spoke's RBAC decides). The join manifests set work-agent/work-executor. Empty: Works without an executor are written with the agent's own credentials (only sensible when the agent itself may write them, e.g. a kubeconfig of a cluster admin)." },
  { name: "eviction-grace-period", type: "duration", env: "WORK_AGENT_EVICTION_GRACE_PERIOD", default: 3_600_000, description: "How long the objects of a Work that disappeared from the hub without its finalizer having run (a hub restored from a backup, a re-created namespace, a stripped finalizer) stay on the spoke before they are deleted. The agent confirms the absence with a read of the hub and records when it started in the AppliedWork (status.evictionStartTime), so the period survives restarts; the Work coming back cancels it. 0 never evicts (an admin deletes the AppliedWork). A Work deleted normally is garbage-collected at once." },
  { name: "spoke-outage-grace-period", type: "duration", env: "WORK_AGENT_SPOKE_OUTAGE_GRACE_PERIOD", default: 120_000, description: "While the spoke API server does not answer a Work's applies (a restart, an upgrade), the Work's status stays as it was for this long, counted from its first unanswered apply: no Work flips to Applied=False for an outage shorter than this. Past it, the manifests that could not be applied report Applied=False with reason SpokeUnreachable until the spoke answers again; nothing is deleted either way." },
  { name: "leader-elect", type: "bool", env: "WORK_AGENT_LEADER_ELECT", default: false, description: "Reconcile and heartbeat only while holding a leader Lease on the spoke, so several replicas can run for availability (the join manifests run 2 with it on). A replica that loses the Lease exits so its restart starts a clean term; the standby takes over within the lease duration." },
  { name: "leader-election-namespace", type: "string", env: "WORK_AGENT_LEADER_ELECTION_NAMESPACE", defaultText: "the pod's namespace in a cluster, else default", description: "Spoke namespace of the leader Lease." },
  { name: "leader-election-id", type: "string", env: "WORK_AGENT_LEADER_ELECTION_ID", defaultText: "work-agent-<agent id>", description: "Name of the leader Lease (one per hub URL and hub namespace)." },
  { name: "leader-election-lease-duration", type: "duration", env: "WORK_AGENT_LEADER_ELECTION_LEASE_DURATION", default: 15_000, description: "How long the leader's Lease is valid without renewal before a standby may take over." },
  { name: "watch-idle-timeout", type: "duration", env: "WORK_AGENT_WATCH_IDLE_TIMEOUT", default: 90_000, description: "A watch (of the hub's Works, the spoke's AppliedWorks and applied objects) that delivers no event and no bookmark for this long is taken for hung (a frozen API server, a half-open connection) and restarted from its last resourceVersion. The API server sends a bookmark every minute on an idle watch; behind a proxy that strips bookmarks, raise it or set 0 (never)." },
  { name: "concurrency", type: "int", env: "WORK_AGENT_CONCURRENCY", default: 8, description: "Works reconciled in parallel (one key is never on two workers)." },
  { name: "resync-period", type: "duration", env: "WORK_AGENT_RESYNC_PERIOD", default: 600_000, description: "Every Work is reconciled again at this interval even without events (0 disables)." },
  { name: "health-addr", type: "string", env: "WORK_AGENT_HEALTH_ADDR", default: ":8081", description: "Address for /healthz and /readyz (host:port; \"0\" disables). If the port is taken the agent logs it and runs without." },
  { name: "metrics-addr", type: "string", env: "WORK_AGENT_METRICS_ADDR", default: ":8080", description: "Address for Prometheus /metrics (host:port; \"0\" disables). If the port is taken the agent logs it and runs without." },
  { name: "lease-duration", type: "duration", env: "WORK_AGENT_LEASE_DURATION", default: 40_000, description: "Duration of the heartbeat Lease the agent renews in its hub namespace (renewed every quarter of it)." },
  { name: "shutdown-timeout", type: "duration", env: "WORK_AGENT_SHUTDOWN_TIMEOUT", default: 30_000, description: "On SIGTERM, how long in-flight reconciles may finish before they are aborted." },
  { name: "log-level", type: "string", env: "WORK_AGENT_LOG_LEVEL", default: "info", description: "trace, debug, info, warn or error." },
  { name: "log-format", type: "string", env: "WORK_AGENT_LOG_FORMAT", default: "json", description: "json (one object per line) or text." },
];

export const AGENT_USAGE = "work-agent --hub-kubeconfig PATH [flags]";
export const AGENT_DESCRIPTION =
  "Spoke agent of the Work API (KEP-6456). Watches the Works in its hub namespace, server-side-applies their\n" +
  "manifests to this cluster, records them in a cluster-scoped AppliedWork, garbage-collects what a Work no\n" +
  "longer holds, and reports per-manifest and summary conditions back to each Work.";

/** Typed agent configuration after defaults and discovery. */
export interface AgentConfig {
  hubKubeconfig: string;
  hubKubeconfigSecret: string | undefined;
  credentialsRefreshMs: number;
  spokeKubeconfig: string | undefined;
  clusterName: string | undefined;
  hubNamespace: string | undefined;
  fieldManager: string;
  forceConflicts: boolean;
  /** "NAMESPACE/NAME" of the default executor ServiceAccount; undefined: the agent itself. */
  defaultExecutor: string | undefined;
  evictionGracePeriodMs: number;
  spokeOutageGracePeriodMs: number;
  watchIdleTimeoutMs: number;
  leaderElect: boolean;
  leaderElectionNamespace: string | undefined;
  leaderElectionId: string | undefined;
  leaderElectionLeaseDurationMs: number;
  concurrency: number;
  resyncPeriodMs: number;
  healthAddr: string;
  metricsAddr: string;
  leaseDurationMs: number;
  shutdownTimeoutMs: number;
  logLevel: string;
  logFormat: string;
}

function leaseDuration(ms: number): number {
  if (!(ms >= 2_000)) throw new UsageError(`--leader-election-lease-duration: at least 2s (got ${ms} ms)`);
  return ms;
}

function defaultExecutor(v: string | undefined): string | undefined {
  if (v === undefined || v === "") return undefined;
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(v)) throw new UsageError(`--default-executor: NAMESPACE/NAME of a ServiceAccount (got "${v}")`);
  return v;
}

export function toConfig(v: FlagValues): AgentConfig {
  const s = (k: string): string | undefined => (v[k] === undefined ? undefined : String(v[k]));
  return {
    hubKubeconfig: s("hub-kubeconfig")!,
    hubKubeconfigSecret: s("hub-kubeconfig-secret"),
    credentialsRefreshMs: Number(v["credentials-refresh-period"] ?? 300_000),
    spokeKubeconfig: s("spoke-kubeconfig"),
    clusterName: s("cluster-name"),
    hubNamespace: s("hub-namespace"),
    fieldManager: s("field-manager") ?? "work-agent",
    forceConflicts: v["force-conflicts"] !== false,
    defaultExecutor: defaultExecutor(s("default-executor")),
    evictionGracePeriodMs: Number(v["eviction-grace-period"] ?? 3_600_000),
    spokeOutageGracePeriodMs: Number(v["spoke-outage-grace-period"] ?? 120_000),
    watchIdleTimeoutMs: Number(v["watch-idle-timeout"] ?? 90_000),
    leaderElect: v["leader-elect"] === true,
    leaderElectionNamespace: s("leader-election-namespace"),
    leaderElectionId: s("leader-election-id"),
    leaderElectionLeaseDurationMs: leaseDuration(Number(v["leader-election-lease-duration"] ?? 15_000)),
    concurrency: Math.max(1, Number(v.concurrency ?? 8)),
    resyncPeriodMs: Number(v["resync-period"] ?? 600_000),
    healthAddr: s("health-addr") ?? ":8081",
    metricsAddr: s("metrics-addr") ?? ":8080",
    leaseDurationMs: Number(v["lease-duration"] ?? 40_000),
    shutdownTimeoutMs: Number(v["shutdown-timeout"] ?? 30_000),
    logLevel: s("log-level") ?? "info",
    logFormat: s("log-format") ?? "json",
  };
}
