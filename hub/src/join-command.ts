/**
 * `work-hub join CLUSTER` / `kubectl work join CLUSTER`: reads the cluster's
 * minted kubeconfig from the hub (waiting for the controller to make it) and
 * prints the spoke-side bootstrap (join.ts) or just the kubeconfig.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { CLUSTER_MANAGER_LABEL, ClusterProfileResource, type ClusterProfile } from "@work-api/api";
import { KubeClient, UsageError, isNotFound, parseFlags, renderHelp } from "@work-api/runtime";
import { JOIN_DESCRIPTION, JOIN_FLAGS, JOIN_USAGE } from "./config.js";
import type { Secret } from "./credentials.js";
import { EXECUTOR_RBAC_CHOICES, renderJoin, type ExecutorRbac } from "./join.js";
import { AGENT_KUBECONFIG_SECRET, KUBECONFIG_KEY, clusterNamespace } from "./names.js";
import { Core } from "./ports.js";
import { HUB_USER_AGENT } from "./build.js";

export interface JoinCommandIO {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** Client for --kubeconfig, or the default chain. */
export function clientFor(kubeconfig: string | undefined): KubeClient {
  const opts = { userAgent: HUB_USER_AGENT };
  return kubeconfig ? KubeClient.fromFile(kubeconfig, opts) : KubeClient.fromDefault(opts);
}

/** Reads the minted kubeconfig of a cluster, waiting up to `waitMs` for the hub controller. */
export async function fetchAgentKubeconfig(client: KubeClient, o: { cluster: string; inventoryNamespace: string; clusterManager: string; waitMs: number }): Promise<string> {
  const deadline = Date.now() + o.waitMs;
  let profile: ClusterProfile | undefined;
  try {
    profile = await client.get<ClusterProfile>(ClusterProfileResource, o.cluster, { namespace: o.inventoryNamespace });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  if (!profile) throw new UsageError(`no ClusterProfile ${o.cluster} in namespace ${o.inventoryNamespace}; create it first (labelled ${CLUSTER_MANAGER_LABEL}=${o.clusterManager})`);
  if (profile.metadata.labels?.[CLUSTER_MANAGER_LABEL] !== o.clusterManager) {
    throw new UsageError(`ClusterProfile ${o.inventoryNamespace}/${o.cluster} is not labelled ${CLUSTER_MANAGER_LABEL}=${o.clusterManager}, so no hub controller of that cluster manager serves it`);
  }
  for (;;) {
    try {
      const s = await client.get<Secret>(Core.Secret, AGENT_KUBECONFIG_SECRET, { namespace: clusterNamespace(o.cluster) });
      const data = s.data?.[KUBECONFIG_KEY];
      if (data) return Buffer.from(data, "base64").toString("utf8");
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `the hub has not minted a kubeconfig for ${o.cluster} (Secret ${clusterNamespace(o.cluster)}/${AGENT_KUBECONFIG_SECRET}) after ${Math.round(o.waitMs / 1000)}s; is work-hub running? See the ClusterProfile's conditions and events.`,
      );
    }
    await sleep(1_000);
  }
}

/** Runs the join command; resolves with the exit code. */
export async function runJoin(argv: readonly string[], io: JoinCommandIO, usage = JOIN_USAGE): Promise<number> {
  const { values, positionals, help } = parseFlags(JOIN_FLAGS, argv);
  if (help) {
    io.out(renderHelp(usage, JOIN_DESCRIPTION, JOIN_FLAGS) + "\n");
    return 0;
  }
  const cluster = positionals[0];
  if (!cluster || positionals.length > 1) throw new UsageError("join takes exactly one argument: the cluster (ClusterProfile) name");
  const print = String(values.print ?? "manifests");
  if (print !== "manifests" && print !== "kubeconfig") throw new UsageError(`--print must be manifests or kubeconfig, got "${print}"`);
  const executorRbac = String(values["executor-rbac"] ?? "default") as ExecutorRbac;
  if (!EXECUTOR_RBAC_CHOICES.includes(executorRbac)) throw new UsageError(`--executor-rbac must be one of ${EXECUTOR_RBAC_CHOICES.join(", ")}, got "${executorRbac}"`);
  const client = clientFor(values.kubeconfig === undefined ? undefined : String(values.kubeconfig));
  try {
    const kubeconfig = await fetchAgentKubeconfig(client, {
      cluster,
      inventoryNamespace: String(values["inventory-namespace"]),
      clusterManager: String(values["cluster-manager-name"]),
      waitMs: Number(values.wait ?? 60_000),
    });
    if (print === "kubeconfig") io.out(kubeconfig);
    else io.out(renderJoin({ clusterName: cluster, kubeconfig, agentNamespace: String(values["agent-namespace"]), image: String(values["agent-image"]), executorRbac }));
    return 0;
  } finally {
    client.close();
  }
}
