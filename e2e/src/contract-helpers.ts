/**
 * Helpers for the agent contract tests (sharing, conflicts, removals,
 * inventory): Work edits through the hub API, spoke reads, and the agent's
 * own counters (reconciles, writes) so "nothing happens" is checked after a
 * reconcile has run, never after a sleep.
 */
import { PatchStrategy, type KubernetesObject } from "@kubernetes/client-node";
import type { AppliedWork, KubeObject, Work } from "@work-api/api";
import { sumMetric, type AgentProcess } from "./agent-harness.js";
import { clients, getOrUndefined, isNotFound, statusCode, waitFor, type Clients } from "./env.js";
import { readWork, workObject } from "./work-helpers.js";

export const WRITE_VERBS = ["POST", "PUT", "PATCH", "DELETE"] as const;

/**
 * Creates the Work, or replaces its manifests (a new generation). The agent writes the Work too
 * (its finalizer, its status): a replace that lost that race (409) reads again and retries, as
 * client-go's RetryOnConflict does.
 */
export async function putWork(hub: Clients, namespace: string, name: string, manifests: object[], spec: Record<string, unknown> = {}): Promise<Work> {
  for (let attempt = 1; ; attempt++) {
    const cur = await readWork(hub.objects, namespace, name);
    if (!cur) {
      const w = workObject(namespace, name, manifests);
      return await hub.objects.create({ ...w, spec: { ...w.spec, ...spec } });
    }
    const next = { ...cur, spec: { ...cur.spec, ...spec, workload: { manifests: manifests as KubeObject[] } } };
    try {
      return await hub.objects.replace(next as Work & KubernetesObject);
    } catch (err) {
      if (statusCode(err) !== 409 || attempt >= 5) throw err;
    }
  }
}

export async function deleteWork(hub: Clients, namespace: string, name: string): Promise<void> {
  try {
    await hub.objects.delete({ apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "Work", metadata: { name, namespace } });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/** Waits until the Work is gone from the hub (the agent removed its finalizer). */
export async function waitWorkGone(hub: Clients, namespace: string, name: string): Promise<void> {
  await waitFor(async () => (await readWork(hub.objects, namespace, name)) === undefined, { timeoutMs: 60_000, message: `Work ${namespace}/${name} gone` });
}

/** A ConfigMap manifest (or live object) as the tests read it. */
export interface ConfigMapObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    deletionTimestamp?: Date;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { apiVersion: string; kind: string; uid: string; name: string }[];
  };
  data?: Record<string, string>;
}

export function configMap(namespace: string, name: string, data: Record<string, string>, meta: Record<string, unknown> = {}): ConfigMapObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace, ...meta }, data };
}

export async function readConfigMap(spoke: Clients, namespace: string, name: string): Promise<ConfigMapObject | undefined> {
  return getOrUndefined<ConfigMapObject & KubernetesObject>(spoke.objects, { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace } });
}

export async function appliedWorksOf(spoke: Clients): Promise<AppliedWork[]> {
  const res = (await spoke.custom.listClusterCustomObject({ group: "multicluster.x-k8s.io", version: "v1alpha1", plural: "appliedworks" })) as { items: AppliedWork[] };
  return res.items;
}

export async function appliedWorkFor(spoke: Clients, workNamespace: string, workName: string): Promise<AppliedWork | undefined> {
  return (await appliedWorksOf(spoke)).find((a) => a.spec.workName === workName && a.spec.workNamespace === workNamespace);
}

/** uids of the AppliedWorks an object names as owners. */
export function appliedWorkOwners(obj: { metadata?: { ownerReferences?: { kind: string; uid: string }[] } } | undefined): string[] {
  return (obj?.metadata?.ownerReferences ?? []).filter((o) => o.kind === "AppliedWork").map((o) => o.uid);
}

export async function reconcileCount(agent: AgentProcess): Promise<number> {
  return sumMetric(await agent.metrics(), "controller_runtime_reconcile_total", { controller: "work" });
}

/** Requests the agent sent to one API server with the given verbs (default: every write). */
export async function writeCount(agent: AgentProcess, cluster: "hub" | "spoke", verbs: readonly string[] = WRITE_VERBS): Promise<number> {
  const m = await agent.metrics();
  return verbs.reduce((s, verb) => s + sumMetric(m, "work_agent_kube_requests_total", { cluster, verb }), 0);
}

/** Waits until the agent has finished at least `n` more reconciles than `since`. */
export async function waitReconciles(agent: AgentProcess, since: number, n: number, timeoutMs = 60_000): Promise<number> {
  return waitFor(async () => {
    const now = await reconcileCount(agent);
    return now >= since + n ? now : undefined;
  }, { timeoutMs, message: `${n} more reconciles` });
}

/** Bumps an annotation on the Work (no new generation): wakes the agent for one reconcile. */
export async function touchWork(hub: Clients, namespace: string, name: string): Promise<void> {
  await hub.objects.patch(
    { apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "Work", metadata: { name, namespace, annotations: { "e2e.work-api/touch": String(Date.now()) } } },
    undefined,
    undefined,
    undefined,
    undefined,
    PatchStrategy.MergePatch,
  );
}

export { clients };
