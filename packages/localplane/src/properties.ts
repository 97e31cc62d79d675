/**
 * The About API properties every spoke carries (KEP-2149):
 * `cluster.clusterset.k8s.io` = the cluster's name and
 * `clusterset.k8s.io` = its ClusterSet.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { KubernetesObjectApi, PatchStrategy, type KubeConfig, type KubernetesObject } from "@kubernetes/client-node";
import { TimeoutError, describeError } from "./errors.js";
import { FIELD_MANAGER } from "./crds.js";

export const CLUSTER_ID_PROPERTY = "cluster.clusterset.k8s.io";
export const CLUSTERSET_PROPERTY = "clusterset.k8s.io";
export const DEFAULT_CLUSTERSET = "localplane";

export function clusterProperties(clusterName: string, clusterSet: string): KubernetesObject[] {
  return [
    [CLUSTER_ID_PROPERTY, clusterName],
    [CLUSTERSET_PROPERTY, clusterSet],
  ].map(([name, value]) => ({
    apiVersion: "about.k8s.io/v1beta1",
    kind: "ClusterProperty",
    metadata: { name },
    spec: { value },
  }));
}

/**
 * Server-side applies objects, retrying while their API is not served yet
 * (a CRD just became Established but discovery lags).
 */
export async function applyWithRetry(kc: KubeConfig, objects: readonly KubernetesObject[], timeoutMs: number): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  const deadline = Date.now() + timeoutMs;
  for (const obj of objects) {
    for (;;) {
      try {
        await api.patch(obj, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
        break;
      } catch (err) {
        if (Date.now() > deadline) {
          throw new TimeoutError(`cannot apply ${String(obj.kind)} ${obj.metadata?.name ?? "?"}: ${describeError(err)}`, { cause: err });
        }
        await sleep(200);
      }
    }
  }
}
