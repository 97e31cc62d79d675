/**
 * Work and AppliedWork, `multicluster.x-k8s.io/v1alpha1` (KEP-6456).
 * Field names follow shared/spec/work-api.md exactly.
 */
import type { Condition, KubeObject, ObjectMeta } from "./meta.js";
import type { DeleteOption, ManifestConfig, ManifestStatusExtensions } from "./work-extensions.js";

export const GROUP = "multicluster.x-k8s.io";
export const VERSION = "v1alpha1";
export const API_VERSION = `${GROUP}/${VERSION}`;

/** Finalizer the agent holds on a Work until its objects are gone from the spoke. */
export const WORK_FINALIZER = "multicluster.x-k8s.io/work-cleanup";

/** Condition types on each manifest and on the Work. */
export const ConditionType = {
  Applied: "Applied",
  Progressing: "Progressing",
  Available: "Available",
  Degraded: "Degraded",
} as const;
export type ConditionTypeName = (typeof ConditionType)[keyof typeof ConditionType];

/** Reasons the reference implementation uses; more specific reasons are added by the agent. */
export const Reason = {
  AppliedManifestComplete: "AppliedManifestComplete",
  AppliedManifestFailed: "AppliedManifestFailed",
  AppliedWorkComplete: "AppliedWorkComplete",
  AppliedWorkFailed: "AppliedWorkFailed",
} as const;

export interface ResourceIdentifier {
  /** Index into spec.workload.manifests. */
  ordinal: number;
  group?: string;
  version?: string;
  kind?: string;
  resource?: string;
  /** Empty for cluster-scoped objects. */
  namespace?: string;
  name?: string;
}

export interface ManifestCondition extends ManifestStatusExtensions {
  identifier: ResourceIdentifier;
  conditions: Condition[];
}

export interface WorkloadTemplate {
  manifests?: KubeObject[];
}

export interface WorkSpec {
  workload?: WorkloadTemplate;
  /** What happens to the objects on deletion or removal (work-extensions.ts). */
  deleteOption?: DeleteOption;
  /** Per-object update strategy, feedback and condition rules (work-extensions.ts). */
  manifestConfigs?: ManifestConfig[];
  [extension: string]: unknown;
}

export interface WorkStatus {
  conditions?: Condition[];
  manifestConditions?: ManifestCondition[];
}

export interface Work {
  apiVersion: typeof API_VERSION;
  kind: "Work";
  metadata: ObjectMeta;
  spec: WorkSpec;
  status?: WorkStatus;
}

export interface AppliedResourceMeta extends ResourceIdentifier {
  uid?: string;
}

export interface AppliedWorkSpec {
  workName: string;
  workNamespace: string;
}

export interface AppliedWorkStatus {
  appliedResources?: AppliedResourceMeta[];
  /** When the agent first found the Work gone from the hub without its finalizer (RFC 3339). */
  evictionStartTime?: string;
}

export interface AppliedWork {
  apiVersion: typeof API_VERSION;
  kind: "AppliedWork";
  metadata: ObjectMeta;
  spec: AppliedWorkSpec;
  status?: AppliedWorkStatus;
}

/** GroupVersionResource of the project's own kinds. */
export const WorkResource = { group: GROUP, version: VERSION, resource: "works", kind: "Work", namespaced: true } as const;
export const AppliedWorkResource = { group: GROUP, version: VERSION, resource: "appliedworks", kind: "AppliedWork", namespaced: false } as const;
