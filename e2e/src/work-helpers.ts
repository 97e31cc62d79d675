/** Small helpers for Work objects in e2e tests. */
import type { KubernetesObject, KubernetesObjectApi } from "@kubernetes/client-node";
import type { Condition, KubeObject, ManifestCondition, Work } from "@work-api/api";
import { getOrUndefined, waitFor, type WaitOptions } from "./env.js";

export function workObject(namespace: string, name: string, manifests: object[]): Work & KubernetesObject {
  return { apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "Work", metadata: { name, namespace }, spec: { workload: { manifests: manifests as KubeObject[] } } };
}

export async function readWork(hub: KubernetesObjectApi, namespace: string, name: string): Promise<Work | undefined> {
  return getOrUndefined<Work & KubernetesObject>(hub, { apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "Work", metadata: { name, namespace } });
}

export function condition(list: readonly Condition[] | undefined, type: string): Condition | undefined {
  return list?.find((c) => c.type === type);
}

export function manifestCondition(work: Work | undefined, ordinal: number): ManifestCondition | undefined {
  return work?.status?.manifestConditions?.find((m) => m.identifier.ordinal === ordinal);
}

/** Waits until the Work's condition `type` has `status` for the Work's current generation. */
export async function waitForWorkCondition(hub: KubernetesObjectApi, namespace: string, name: string, type: string, status: string, opts: WaitOptions = {}): Promise<Work> {
  return waitFor(
    async () => {
      const w = await readWork(hub, namespace, name);
      const c = condition(w?.status?.conditions, type);
      return w && c?.status === status && c.observedGeneration === w.metadata.generation ? w : undefined;
    },
    { timeoutMs: 60_000, message: `Work ${namespace}/${name} ${type}=${status}`, ...opts },
  );
}
