/** Work and ClusterProfile fixtures shared by the plugin's unit tests. */
import type { ClusterProfile, Condition, KubeObject, Work } from "@work-api/api";

export const NOW = Date.parse("2026-03-01T12:00:00Z");

/** RFC 3339, `seconds` before NOW. */
export function ago(seconds: number): string {
  return new Date(NOW - seconds * 1000).toISOString().replace(/\.\d+Z$/, "Z");
}

export function cond(type: string, status: Condition["status"], reason: string, message: string, secondsAgo = 60, observedGeneration?: number): Condition {
  return { type, status, reason, message, lastTransitionTime: ago(secondsAgo), ...(observedGeneration !== undefined ? { observedGeneration } : {}) };
}

export const LONG_MESSAGE =
  'failed to apply: admission webhook "validate.example.com" denied the request: spec.template.spec.containers[0].image: ' +
  'Invalid value: "nginx:latest": images must be pinned by digest; see https://example.com/policies/pinning for how to pin ' +
  "an image and why unpinned images are rejected by this cluster's admission policy";

const manifests: KubeObject[] = [
  { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm", namespace: "default" } },
  { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "default" } },
  { apiVersion: "v1", kind: "Namespace", metadata: { name: "team-a" } },
];

export function work(name: string, namespace: string, generation: number, status: Work["status"], list: KubeObject[] = manifests): Work {
  return {
    apiVersion: "multicluster.x-k8s.io/v1alpha1",
    kind: "Work",
    metadata: { name, namespace, uid: `uid-${name}`, generation, creationTimestamp: ago(4 * 86_400 + 3 * 3_600) },
    spec: { workload: { manifests: list } },
    ...(status !== undefined ? { status } : {}),
  };
}

/** Every manifest applied and available. */
export function appliedWork(name = "applied", namespace = "spoke1"): Work {
  return work(name, namespace, 2, {
    conditions: [cond("Available", "True", "AllAvailable", "All manifests are available", 300, 2), cond("Applied", "True", "AppliedWorkComplete", "All 3 manifests applied", 300, 2)],
    manifestConditions: manifests.map((m, ordinal) => ({
      identifier: { ordinal, group: m.apiVersion === "apps/v1" ? "apps" : "", version: "v1", kind: String(m.kind), resource: `${String(m.kind).toLowerCase()}s`, namespace: m.metadata?.namespace ?? "", name: m.metadata?.name ?? "" },
      conditions: [cond("Applied", "True", "AppliedManifestComplete", "Applied", 300), cond("Available", "True", "ResourceAvailable", "", 300)],
    })),
  });
}

/** Manifest 1 failed with a long message; manifest 2 has no condition yet (pending). */
export function failedWork(name = "failed", namespace = "spoke1"): Work {
  return work(name, namespace, 3, {
    conditions: [cond("Applied", "False", "AppliedWorkFailed", `1 of 3 manifests failed: [1] ${LONG_MESSAGE}`, 150, 3), cond("Degraded", "True", "ManifestFailed", "see manifest 1", 150, 3)],
    manifestConditions: [
      { identifier: { ordinal: 1, group: "apps", version: "v1", kind: "Deployment", resource: "deployments", namespace: "default", name: "web" }, conditions: [cond("Applied", "False", "AppliedManifestFailed", LONG_MESSAGE, 150)] },
      { identifier: { ordinal: 0, version: "v1", kind: "ConfigMap", resource: "configmaps", namespace: "default", name: "cm" }, conditions: [cond("Applied", "True", "AppliedManifestComplete", "Applied", 150)] },
    ],
  });
}

/** Conditions Unknown, from an older generation. */
export function unknownWork(name = "unknown", namespace = "spoke1"): Work {
  return work(name, namespace, 5, {
    conditions: [cond("Applied", "Unknown", "AgentUnreachable", "the agent has not reported for 5m", 30, 4), cond("Available", "Unknown", "AgentUnreachable", "", 30, 4)],
    manifestConditions: [{ identifier: { ordinal: 2, version: "v1", kind: "Namespace", resource: "namespaces", name: "team-a" }, conditions: [cond("Applied", "Unknown", "Pending", "waiting", 5)] }],
  });
}

/** No manifests, no status. */
export function emptyWork(name = "empty", namespace = "spoke1"): Work {
  return work(name, namespace, 1, undefined, []);
}

export function profile(name: string, namespace: string, status?: ClusterProfile["status"], manager = "work-api"): ClusterProfile {
  return {
    apiVersion: "multicluster.x-k8s.io/v1alpha1",
    kind: "ClusterProfile",
    metadata: { name, namespace, labels: { "x-k8s.io/cluster-manager": manager }, creationTimestamp: ago(9 * 86_400) },
    spec: { clusterManager: { name: manager }, displayName: name.toUpperCase() },
    ...(status !== undefined ? { status } : {}),
  };
}
