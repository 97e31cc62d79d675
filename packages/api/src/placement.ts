/**
 * WorkPlacement, `multicluster.x-k8s.io/v1alpha1`, namespaced, on the hub (in
 * the inventory namespace next to the ClusterProfiles). A Work template plus
 * either a label selector over ClusterProfiles or a reference to
 * PlacementDecisions; the hub keeps one Work per selected cluster, in that
 * cluster's hub namespace, named after the placement.
 */
import type { Condition, LabelSelector, ObjectMeta } from "./meta.js";
import { GROUP, VERSION, type WorkSpec } from "./work.js";

/** Metadata the generated Works carry (merged with the hub's own labels). */
export interface WorkTemplateMeta {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface WorkTemplate {
  metadata?: WorkTemplateMeta;
  spec: WorkSpec;
}

/**
 * Which PlacementDecisions to follow: exactly one of `name` (one decision
 * object) or `decisionKey` (every slice labelled
 * `multicluster.x-k8s.io/decision-key=<decisionKey>`), in the placement's
 * namespace.
 */
export interface PlacementDecisionRef {
  name?: string;
  decisionKey?: string;
}

export interface WorkPlacementSpec {
  workTemplate: WorkTemplate;
  /** ClusterProfiles (in this namespace, of this hub's cluster manager) whose labels match. Exactly one of this and placementDecisionRef. */
  clusterSelector?: LabelSelector;
  /** Clusters named by PlacementDecisions. Exactly one of this and clusterSelector. */
  placementDecisionRef?: PlacementDecisionRef;
  /**
   * At most this many clusters at a time whose Work was created or updated
   * but is not yet Applied and Available. Unset: no limit.
   */
  maxConcurrency?: number;
}

/** A selected cluster whose Work failed, or that could not be given one. */
export interface ClusterFailure {
  clusterName: string;
  reason: string;
  message: string;
}

export interface WorkPlacementStatus {
  observedGeneration?: number;
  /** Clusters the selector or the decisions name (including ones that could not get a Work). */
  selectedClusters?: number;
  /** Selected clusters whose Work has the current template and is Applied. */
  appliedClusters?: number;
  /** Selected clusters whose Work has the current template and is Available. */
  availableClusters?: number;
  /** Selected clusters that failed (listed, up to a limit, in `failures`). */
  failedClusters?: number;
  /** Selected clusters still waiting for the current template (rollout gated by maxConcurrency, or not yet written). */
  pendingClusters?: number;
  /** Failing clusters by name, sorted, at most {@link MAX_LISTED_FAILURES}. */
  failures?: ClusterFailure[];
  conditions?: Condition[];
}

export interface WorkPlacement {
  apiVersion: `${typeof GROUP}/${typeof VERSION}`;
  kind: "WorkPlacement";
  metadata: ObjectMeta;
  spec: WorkPlacementSpec;
  status?: WorkPlacementStatus;
}

/** At most this many failures are named in the status. */
export const MAX_LISTED_FAILURES = 20;

/** Condition types on a WorkPlacement. */
export const PlacementConditionType = {
  /** True when at least one cluster is selected (False with the reason otherwise). */
  ClustersSelected: "ClustersSelected",
  /** True when every selected cluster's Work has the current template and is Applied. */
  Applied: "Applied",
  /** True when every selected cluster's Work has the current template and is Available. */
  Available: "Available",
  /** True while the current template is still being rolled out. */
  Progressing: "Progressing",
  /** True when at least one selected cluster failed. */
  Degraded: "Degraded",
} as const;

/** Label on each generated Work: the placement's name. */
export const PLACEMENT_NAME_LABEL = "work.multicluster.x-k8s.io/placement";
/** Label on each generated Work: the placement's namespace. */
export const PLACEMENT_NAMESPACE_LABEL = "work.multicluster.x-k8s.io/placement-namespace";
/** Annotation on each generated Work: hash of the template it was written from. */
export const TEMPLATE_HASH_ANNOTATION = "work.multicluster.x-k8s.io/template-hash";

export const WorkPlacementResource = { group: GROUP, version: VERSION, resource: "workplacements", kind: "WorkPlacement", namespaced: true } as const;
