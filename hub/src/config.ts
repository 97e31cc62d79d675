/**
 * work-hub configuration: every flag, its environment variable and its
 * default, in tables that also render `work-hub --help` and
 * `work-hub join --help`.
 */
import type { FlagSpec, FlagValues } from "@work-api/runtime";
import { UsageError } from "@work-api/runtime";
import { DEFAULT_CLUSTER_MANAGER } from "./names.js";
import { validateTokenPolicy } from "./token-schedule.js";
import { BUILD } from "./build.js";

const KUBECONFIG_FLAG: FlagSpec = {
  name: "kubeconfig",
  type: "string",
  env: "WORK_HUB_KUBECONFIG",
  defaultText: "in-cluster config, then $KUBECONFIG, then ~/.kube/config",
  description: "Kubeconfig of the hub cluster (the controller's own identity there).",
};
const INVENTORY_FLAG: FlagSpec = {
  name: "inventory-namespace",
  type: "string",
  env: "WORK_HUB_INVENTORY_NAMESPACE",
  default: "fleet-system",
  description: "Namespace holding the ClusterProfiles (and WorkPlacements, PlacementDecisions) this hub serves.",
};
const MANAGER_FLAG: FlagSpec = {
  name: "cluster-manager-name",
  type: "string",
  env: "WORK_HUB_CLUSTER_MANAGER_NAME",
  default: DEFAULT_CLUSTER_MANAGER,
  description: "Serve the ClusterProfiles labelled x-k8s.io/cluster-manager=<this>.",
};

export const HUB_FLAGS: readonly FlagSpec[] = [
  KUBECONFIG_FLAG,
  INVENTORY_FLAG,
  MANAGER_FLAG,
  { name: "lease-duration", type: "duration", env: "WORK_HUB_LEASE_DURATION", default: 40_000, description: "An agent's heartbeat Lease counts as expired when not renewed for this long, unless the Lease states its own spec.leaseDurationSeconds (agents do; theirs wins). Joined turns False and ControlPlaneHealthy Unknown when it expires." },
  { name: "removal-grace-period", type: "duration", env: "WORK_HUB_REMOVAL_GRACE_PERIOD", default: 300_000, description: "A ClusterProfile that loses (or changes) its x-k8s.io/cluster-manager label is released (its Works, then its hub namespace, removed) only this long after the hub first saw it so (annotation work.multicluster.x-k8s.io/unmanaged-since; the label coming back cancels it). And when a ClusterProfile is deleted or released, the hub waits this long past the expiry of its agent's Lease for the agent to clean up its Works before it releases the agent's finalizers (the objects stay on the spoke; an Event names them)." },
  { name: "hub-url", type: "string", env: "WORK_HUB_URL", defaultText: "the server URL of --kubeconfig", description: "Hub API server URL written into the agents' kubeconfigs (what the spokes reach the hub at)." },
  { name: "hub-ca-file", type: "string", env: "WORK_HUB_CA_FILE", defaultText: "the CA of --kubeconfig", description: "PEM file of the CA that signed the hub's serving certificate, written into the agents' kubeconfigs." },
  { name: "token-lifetime", type: "duration", env: "WORK_HUB_TOKEN_LIFETIME", default: 24 * 3_600_000, description: "Lifetime of the ServiceAccount tokens minted for agents (at least 10m)." },
  { name: "token-rotate-before", type: "duration", env: "WORK_HUB_TOKEN_ROTATE_BEFORE", defaultText: "a fifth of the lifetime", description: "Mint a new agent token this long before the current one expires." },
  { name: "namespace-access-role", type: "string", env: "WORK_HUB_NAMESPACE_ACCESS_ROLE", default: "work-hub-cluster-namespace", description: "ClusterRole the hub binds to its own identity (RoleBinding work-hub) in each cluster namespace it creates: what it may do there (deploy/hub/rbac.yaml). Its ClusterRole may create RoleBindings and bind only this role, and an admission policy (deploy/hub/admission-policies.yaml) keeps those bindings to the namespaces it made. \"\" skips the binding (a hub running with cluster-wide rights)." },
  { name: "concurrency", type: "int", env: "WORK_HUB_CONCURRENCY", default: 4, description: "Keys each controller reconciles in parallel." },
  { name: "placement-write-concurrency", type: "int", env: "WORK_HUB_PLACEMENT_WRITE_CONCURRENCY", default: 16, description: "Work creates, updates and deletes one WorkPlacement reconcile sends at once (its fan-out to the selected clusters)." },
  { name: "resync-period", type: "duration", env: "WORK_HUB_RESYNC_PERIOD", default: 600_000, description: "Every object is reconciled again at this interval even without events (0 disables)." },
  { name: "health-addr", type: "string", env: "WORK_HUB_HEALTH_ADDR", default: ":8081", description: "Address for /healthz and /readyz (host:port; \"0\" disables)." },
  { name: "metrics-addr", type: "string", env: "WORK_HUB_METRICS_ADDR", default: ":8080", description: "Address for Prometheus /metrics (host:port; \"0\" disables)." },
  { name: "leader-elect", type: "bool", env: "WORK_HUB_LEADER_ELECT", default: true, description: "Run the controllers only while holding the leader Lease, so several replicas can run for availability." },
  { name: "leader-election-namespace", type: "string", env: "WORK_HUB_LEADER_ELECTION_NAMESPACE", defaultText: "--inventory-namespace", description: "Namespace of the leader Lease." },
  { name: "leader-election-id", type: "string", env: "WORK_HUB_LEADER_ELECTION_ID", defaultText: "work-hub-<cluster-manager-name>", description: "Name of the leader Lease." },
  { name: "leader-election-lease-duration", type: "duration", env: "WORK_HUB_LEADER_ELECTION_LEASE_DURATION", default: 15_000, description: "How long a leader's Lease is valid without renewal before another replica may take over." },
  { name: "shutdown-timeout", type: "duration", env: "WORK_HUB_SHUTDOWN_TIMEOUT", default: 30_000, description: "On SIGTERM, how long in-flight reconciles may finish." },
  { name: "log-level", type: "string", env: "WORK_HUB_LOG_LEVEL", default: "info", description: "trace, debug, info, warn or error." },
  { name: "log-format", type: "string", env: "WORK_HUB_LOG_FORMAT", default: "json", description: "json (one object per line) or text." },
];

export const JOIN_FLAGS: readonly FlagSpec[] = [
  KUBECONFIG_FLAG,
  INVENTORY_FLAG,
  MANAGER_FLAG,
  { name: "agent-namespace", type: "string", env: "WORK_HUB_AGENT_NAMESPACE", default: "work-agent", description: "Namespace on the spoke the agent runs in." },
  { name: "agent-image", type: "string", env: "WORK_HUB_AGENT_IMAGE", default: `work-agent:${BUILD.version}`, description: "Container image of the agent (default: this release's)." },
  { name: "executor-rbac", type: "string", default: "default", description: "Rights of the default executor (ServiceAccount work-executor, which writes the objects of Works without spec.executor): default (namespaced workload kinds, in the aggregated ClusterRole work-executor; add kinds by labelling a ClusterRole work.multicluster.x-k8s.io/aggregate-to-work-executor=true), cluster-admin (every Work may write anything: an explicit choice), none (bind your own)." },
  { name: "print", type: "string", default: "manifests", description: "manifests: everything to apply on the spoke; kubeconfig: only the agent's hub kubeconfig (to run an agent outside the cluster)." },
  { name: "wait", type: "duration", default: 60_000, description: "How long to wait for the hub controller to register the cluster and mint its kubeconfig." },
];

export const HUB_USAGE = "work-hub [flags]\n       work-hub join CLUSTER [flags]";
export const HUB_DESCRIPTION =
  "Hub controller of the Work API (KEP-6456). For each ClusterProfile of its cluster manager it makes a hub\n" +
  "namespace, the agent's ServiceAccount and RBAC, and a kubeconfig Secret with a rotating bound token; it\n" +
  "copies the agents' heartbeats into the ClusterProfile status, cleans a cluster up when its profile is\n" +
  "deleted, and fans WorkPlacements out into one Work per selected cluster.\n\n" +
  "Commands:\n  (none)         run the controller\n  join CLUSTER   print the spoke-side bootstrap of CLUSTER's agent (see `work-hub join --help`)";
export const JOIN_USAGE = "work-hub join CLUSTER [flags] | kubectl --context <spoke> apply -f -";
export const JOIN_DESCRIPTION =
  "Prints what to apply on the spoke CLUSTER to run its agent: a namespace, the agent's hub kubeconfig as a\n" +
  "Secret (minted by the running hub controller), a ServiceAccount with the spoke-side RBAC, and the agent's\n" +
  "Deployment. With --print kubeconfig, prints only the kubeconfig. The output holds a credential.";

export interface HubConfig {
  kubeconfig: string | undefined;
  inventoryNamespace: string;
  clusterManager: string;
  leaseDurationMs: number;
  removalGracePeriodMs: number;
  hubUrl: string | undefined;
  hubCaFile: string | undefined;
  tokenLifetimeMs: number;
  tokenRotateBeforeMs: number | undefined;
  namespaceAccessRole: string;
  concurrency: number;
  /** Work writes one WorkPlacement reconcile has in flight at once (--placement-write-concurrency, default 16). */
  placementWriteConcurrency: number;
  resyncPeriodMs: number;
  healthAddr: string;
  metricsAddr: string;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  leaderElectionId: string;
  leaderElectionLeaseDurationMs: number;
  shutdownTimeoutMs: number;
  logLevel: string;
  logFormat: string;
}

const str = (v: FlagValues, k: string): string | undefined => (v[k] === undefined ? undefined : String(v[k]));

export function toHubConfig(v: FlagValues): HubConfig {
  const inventoryNamespace = str(v, "inventory-namespace") ?? "fleet-system";
  const clusterManager = str(v, "cluster-manager-name") ?? DEFAULT_CLUSTER_MANAGER;
  const c: HubConfig = {
    kubeconfig: str(v, "kubeconfig"),
    inventoryNamespace,
    clusterManager,
    leaseDurationMs: Number(v["lease-duration"] ?? 40_000),
    removalGracePeriodMs: Number(v["removal-grace-period"] ?? 300_000),
    hubUrl: str(v, "hub-url"),
    hubCaFile: str(v, "hub-ca-file"),
    tokenLifetimeMs: Number(v["token-lifetime"] ?? 86_400_000),
    tokenRotateBeforeMs: v["token-rotate-before"] === undefined ? undefined : Number(v["token-rotate-before"]),
    namespaceAccessRole: str(v, "namespace-access-role") ?? "work-hub-cluster-namespace",
    concurrency: Math.max(1, Number(v.concurrency ?? 4)),
    placementWriteConcurrency: Math.max(1, Number(v["placement-write-concurrency"] ?? 16)),
    resyncPeriodMs: Number(v["resync-period"] ?? 600_000),
    healthAddr: str(v, "health-addr") ?? ":8081",
    metricsAddr: str(v, "metrics-addr") ?? ":8080",
    leaderElect: v["leader-elect"] !== false,
    leaderElectionNamespace: str(v, "leader-election-namespace") ?? inventoryNamespace,
    leaderElectionId: str(v, "leader-election-id") ?? `work-hub-${clusterManager}`,
    leaderElectionLeaseDurationMs: Number(v["leader-election-lease-duration"] ?? 15_000),
    shutdownTimeoutMs: Number(v["shutdown-timeout"] ?? 30_000),
    logLevel: str(v, "log-level") ?? "info",
    logFormat: str(v, "log-format") ?? "json",
  };
  const tokenProblem = validateTokenPolicy({ lifetimeMs: c.tokenLifetimeMs, rotateBeforeMs: c.tokenRotateBeforeMs });
  if (tokenProblem) throw new UsageError(tokenProblem);
  if (c.leaseDurationMs <= 0) throw new UsageError("--lease-duration must be positive");
  if (!["json", "text"].includes(c.logFormat)) throw new UsageError(`--log-format must be json or text, got "${c.logFormat}"`);
  return c;
}
