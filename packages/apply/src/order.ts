/**
 * Apply order for a bundle of manifests. Kinds that others depend on go
 * first (Namespaces, CRDs), admission webhooks and APIServices last, so a
 * webhook in the same bundle cannot block the objects it would intercept.
 * The sort is stable: manifests of the same rank keep their spec order, and
 * every entry keeps its ordinal.
 */

/** Rank by kind; lower applies earlier. Unknown kinds (custom resources) rank after workloads. */
const KIND_RANK: Readonly<Record<string, number>> = {
  Namespace: 0,
  CustomResourceDefinition: 1,
  PriorityClass: 2,
  StorageClass: 2,
  ResourceQuota: 3,
  LimitRange: 3,
  PodSecurityPolicy: 3,
  ClusterRole: 4,
  ClusterRoleBinding: 5,
  Role: 4,
  RoleBinding: 5,
  ServiceAccount: 6,
  Secret: 7,
  ConfigMap: 7,
  PersistentVolume: 8,
  PersistentVolumeClaim: 9,
  Service: 10,
  Endpoints: 10,
  EndpointSlice: 10,
  NetworkPolicy: 10,
  PodDisruptionBudget: 10,
  IngressClass: 11,
  Ingress: 12,
  Pod: 13,
  ReplicaSet: 13,
  Deployment: 13,
  StatefulSet: 13,
  DaemonSet: 13,
  Job: 13,
  CronJob: 13,
  HorizontalPodAutoscaler: 14,
  MutatingWebhookConfiguration: 100,
  ValidatingWebhookConfiguration: 100,
  ValidatingAdmissionPolicy: 100,
  ValidatingAdmissionPolicyBinding: 101,
  APIService: 102,
};

/** Rank for kinds not in the table: custom resources and anything new. */
export const UNKNOWN_KIND_RANK = 50;

export function kindRank(kind: string | undefined): number {
  if (kind === undefined) return UNKNOWN_KIND_RANK;
  return KIND_RANK[kind] ?? UNKNOWN_KIND_RANK;
}

/** Sorts items by kind rank, then by ordinal. Returns a new array. */
export function sortForApply<T extends { ordinal: number; kind?: string | undefined }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => kindRank(a.kind) - kindRank(b.kind) || a.ordinal - b.ordinal);
}

/** The order in which applied objects are removed: the exact reverse of apply order. */
export function sortForPrune<T extends { ordinal: number; kind?: string | undefined }>(items: readonly T[]): T[] {
  return sortForApply(items).reverse();
}
