/**
 * Cluster inventory (KEP-4322) and About API (KEP-2149) types.
 */
import type { Condition, ObjectMeta, ObjectReference } from "./meta.js";
import { GROUP, VERSION } from "./work.js";

/** Label a ClusterProfile carries naming the cluster manager that wrote it. */
export const CLUSTER_MANAGER_LABEL = "x-k8s.io/cluster-manager";
/** Label on a namespace grouping the ClusterProfiles of one ClusterSet. */
export const CLUSTERSET_LABEL = "multicluster.x-k8s.io/clusterset";
/** Label linking PlacementDecision slices. */
export const DECISION_KEY_LABEL = "multicluster.x-k8s.io/decision-key";

export const ClusterProfileConditionType = {
  ControlPlaneHealthy: "ControlPlaneHealthy",
  Joined: "Joined",
} as const;

export interface ClusterManager {
  name: string;
}

export interface ClusterProfileSpec {
  displayName?: string;
  clusterManager: ClusterManager;
}

export interface Property {
  name: string;
  value: string;
  lastObservedTime?: string;
}

export interface CredentialProvider {
  name: string;
  cluster: Record<string, unknown>;
}

export interface ClusterProfileStatus {
  conditions?: Condition[];
  version?: { kubernetes?: string };
  properties?: Property[];
  credentialProviders?: CredentialProvider[];
}

export interface ClusterProfile {
  apiVersion: `${typeof GROUP}/${typeof VERSION}`;
  kind: "ClusterProfile";
  metadata: ObjectMeta;
  spec: ClusterProfileSpec;
  status?: ClusterProfileStatus;
}

export interface ClusterDecision {
  clusterProfileRef: ObjectReference;
  reason?: string;
}

/** At most 100 decisions per object. */
export const MAX_DECISIONS_PER_OBJECT = 100;

export interface PlacementDecision {
  apiVersion: `${typeof GROUP}/${typeof VERSION}`;
  kind: "PlacementDecision";
  metadata: ObjectMeta;
  decisions?: ClusterDecision[];
  schedulerName?: string;
}

export const ABOUT_GROUP = "about.k8s.io";
/** Well-known ClusterProperty naming this cluster, unique in its ClusterSet. */
export const CLUSTER_ID_PROPERTY = "cluster.clusterset.k8s.io";
/** Well-known ClusterProperty naming the ClusterSet. */
export const CLUSTERSET_PROPERTY = "clusterset.k8s.io";

export interface ClusterProperty {
  apiVersion: "about.k8s.io/v1beta1" | "about.k8s.io/v1alpha1";
  kind: "ClusterProperty";
  metadata: ObjectMeta;
  spec: { value: string };
}

export const ClusterProfileResource = { group: GROUP, version: VERSION, resource: "clusterprofiles", kind: "ClusterProfile", namespaced: true } as const;
export const PlacementDecisionResource = { group: GROUP, version: VERSION, resource: "placementdecisions", kind: "PlacementDecision", namespaced: true } as const;
export const ClusterPropertyResource = { group: ABOUT_GROUP, version: "v1beta1", resource: "clusterproperties", kind: "ClusterProperty", namespaced: false } as const;
