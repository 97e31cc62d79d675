/**
 * The contract between an agent and the hub controller for cluster health.
 * The agent renews a coordination.k8s.io/v1 Lease in its hub namespace and
 * publishes what it observes of its cluster as annotations on that Lease
 * (the only object besides Works its hub identity may write). The hub copies
 * them into the ClusterProfile status.
 */

/** Name of the heartbeat Lease in each cluster's hub namespace. */
export const AGENT_LEASE_NAME = "work-agent";

/** Annotation on the Lease: the spoke's Kubernetes version (gitVersion, e.g. "v1.34.4"). */
export const KUBERNETES_VERSION_ANNOTATION = "work.multicluster.x-k8s.io/kubernetes-version";

/**
 * Annotation on the Lease: JSON array of the spoke's ClusterProperties,
 * `[{"name": "...", "value": "..."}]`, sorted by name.
 */
export const CLUSTER_PROPERTIES_ANNOTATION = "work.multicluster.x-k8s.io/cluster-properties";

/** Annotation on the Lease: when the agent last read the ClusterProperties (RFC 3339). */
export const PROPERTIES_OBSERVED_ANNOTATION = "work.multicluster.x-k8s.io/properties-observed-time";

/** Annotation on the Lease: whether the agent can reach its spoke API server ("True"/"False") and why. */
export const SPOKE_HEALTHY_ANNOTATION = "work.multicluster.x-k8s.io/spoke-healthy";
export const SPOKE_HEALTH_MESSAGE_ANNOTATION = "work.multicluster.x-k8s.io/spoke-health-message";

export interface PublishedProperty {
  name: string;
  value: string;
}

/**
 * Secret in each cluster's hub namespace holding the agent's hub kubeconfig,
 * minted by the hub from a bound ServiceAccount token and rotated before it
 * expires. The agent may read only this Secret, and re-reads it to pick up a
 * rotated token.
 */
export const AGENT_KUBECONFIG_SECRET = "work-agent-hub-kubeconfig";
/** Key of the kubeconfig in that Secret. */
export const AGENT_KUBECONFIG_KEY = "kubeconfig";
