/**
 * Names, labels and annotations of the objects the hub generates for each
 * cluster. One place, so the controllers, `join` and the docs agree.
 */

/** Default value of the `x-k8s.io/cluster-manager` label this hub serves. */
export const DEFAULT_CLUSTER_MANAGER = "work-api";

/** Finalizer the hub holds on each ClusterProfile until its hub namespace is gone. */
export const CLUSTER_FINALIZER = "work.multicluster.x-k8s.io/cluster-cleanup";
/** Finalizer the hub holds on each WorkPlacement until its Works are deleted. */
export const PLACEMENT_FINALIZER = "work.multicluster.x-k8s.io/placement-cleanup";

/** Label on every object generated for a cluster: the cluster (ClusterProfile) name. */
export const CLUSTER_LABEL = "work.multicluster.x-k8s.io/cluster";
/** Label on every object generated for a cluster: the inventory namespace of its ClusterProfile. */
export const INVENTORY_NAMESPACE_LABEL = "work.multicluster.x-k8s.io/inventory-namespace";
/** Standard managed-by label. */
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const MANAGED_BY = "work-hub";

/** ServiceAccount of a cluster's agent, in the cluster's hub namespace. */
export const AGENT_SERVICE_ACCOUNT = "work-agent";
/** Role and RoleBinding granting the agent its rights, in the cluster's hub namespace. */
export const AGENT_ROLE = "work-agent";
/** Secret holding the agent's minted hub kubeconfig, in the cluster's hub namespace (the agent↔hub contract in the api package). */
export { AGENT_KUBECONFIG_SECRET } from "@work-api/api";
/** Key of the kubeconfig in that Secret. */
export { AGENT_KUBECONFIG_KEY as KUBECONFIG_KEY } from "@work-api/api";

/** Annotations on the kubeconfig Secret describing the token inside. */
export const TOKEN_EXPIRATION_ANNOTATION = "work.multicluster.x-k8s.io/token-expiration";
export const TOKEN_ISSUED_ANNOTATION = "work.multicluster.x-k8s.io/token-issued";
/** The hub API server URL the kubeconfig points at (a change re-mints it). */
export const HUB_URL_ANNOTATION = "work.multicluster.x-k8s.io/hub-url";

/** Condition the registration controller writes on ClusterProfiles. */
export const WORK_NAMESPACE_READY = "WorkNamespaceReady";

/** Field manager / user agent of the hub's writes. */
export const FIELD_MANAGER = "work-hub";

/** The hub namespace of a cluster is named after its ClusterProfile. */
export function clusterNamespace(clusterName: string): string {
  return clusterName;
}

/** True when a namespace was made by this hub for this cluster of this inventory. */
export function namespaceIsFor(ns: { metadata?: { labels?: Record<string, string> } }, clusterName: string, inventoryNamespace: string): boolean {
  const l = ns.metadata?.labels ?? {};
  return l[CLUSTER_LABEL] === clusterName && l[INVENTORY_NAMESPACE_LABEL] === inventoryNamespace;
}

/** Labels of every object generated for a cluster. */
export function clusterLabels(clusterName: string, inventoryNamespace: string): Record<string, string> {
  return {
    [CLUSTER_LABEL]: clusterName,
    [INVENTORY_NAMESPACE_LABEL]: inventoryNamespace,
    [MANAGED_BY_LABEL]: MANAGED_BY,
  };
}
