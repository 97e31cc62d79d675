/**
 * Optional Work extensions (issue 10), all under `spec`; a Work without them
 * behaves as the KEP says. Names follow OCM ManifestWork where the meaning is
 * the same (shared/spec/work-api.md §1, "Extensions"). Not in the released
 * Works CRD yet: its schema comes with the agent code that honours the fields
 * (wip/issue10/), so until then the API server drops them from a Work.
 */

/** Names one object of the Work (matched exactly; "" or absent for the core group or a cluster-scoped object). */
export interface ResourceSelector {
  group?: string;
  /** Plural, lower case (configmaps, deployments). */
  resource: string;
  namespace?: string;
  name: string;
}

/** An object to leave on the managed cluster. */
export type OrphaningRule = ResourceSelector;

export const PropagationPolicy = {
  Foreground: "Foreground",
  Orphan: "Orphan",
  SelectivelyOrphan: "SelectivelyOrphan",
} as const;
export type PropagationPolicyName = (typeof PropagationPolicy)[keyof typeof PropagationPolicy];

/** What happens to a Work's objects when the Work is deleted or a manifest removed. */
export interface DeleteOption {
  /** Foreground (default): deleted; Orphan: all left; SelectivelyOrphan: those the rules name left. */
  propagationPolicy?: PropagationPolicyName;
  selectivelyOrphans?: { orphaningRules: OrphaningRule[] };
}

export const UpdateStrategyType = {
  ServerSideApply: "ServerSideApply",
  CreateOnly: "CreateOnly",
  ReadOnly: "ReadOnly",
  ReportDiff: "ReportDiff",
} as const;
export type UpdateStrategyTypeName = (typeof UpdateStrategyType)[keyof typeof UpdateStrategyType];

export const TakeOverPolicy = {
  Always: "Always",
  IfNoDiff: "IfNoDiff",
  Never: "Never",
} as const;
export type TakeOverPolicyName = (typeof TakeOverPolicy)[keyof typeof TakeOverPolicy];

export const IgnoreFieldsCondition = {
  /** Left to the spoke once the object exists (set at creation only). */
  OnSpokePresent: "OnSpokePresent",
  /** Left to the spoke once a manager other than this Work changed the field. */
  OnSpokeChange: "OnSpokeChange",
} as const;
export type IgnoreFieldsConditionName = (typeof IgnoreFieldsCondition)[keyof typeof IgnoreFieldsCondition];

export interface IgnoreField {
  condition: IgnoreFieldsConditionName;
  /** Simple JSONPaths into the object (`.spec.replicas`, `.data.key`, `.metadata.labels['a/b']`). */
  jsonPaths: string[];
}

export interface ServerSideApplyConfig {
  /**
   * true: take the fields out-of-band field managers hold (even when the agent's --force-conflicts
   * is off); false: never, such a conflict is ApplyConflict. Absent: the agent's --force-conflicts.
   * Fields another Work holds are never taken (the sharing contract).
   */
  force?: boolean;
  ignoreFields?: IgnoreField[];
}

export interface UpdateStrategy {
  /** Default ServerSideApply. */
  type?: UpdateStrategyTypeName;
  /** Default Always. */
  takeOver?: TakeOverPolicyName;
  serverSideApply?: ServerSideApplyConfig;
}

export const FeedbackRuleType = {
  WellKnownStatus: "WellKnownStatus",
  JSONPaths: "JSONPaths",
} as const;
export type FeedbackRuleTypeName = (typeof FeedbackRuleType)[keyof typeof FeedbackRuleType];

export interface JsonPathRule {
  name: string;
  /** Relative to `.status` (as OCM): `.readyReplicas`, `.conditions[?(@.type=="Ready")].status`. */
  path: string;
}

export interface FeedbackRule {
  type: FeedbackRuleTypeName;
  jsonPaths?: JsonPathRule[];
}

export interface ConditionRule {
  /** The manifest condition this rule sets (Available, Complete, ...). */
  condition: string;
  type: "CEL";
  /** Every expression must be true for the condition to be True; evaluated over `object`, the live object. */
  celExpressions: string[];
  /** Message when True. */
  message?: string;
}

export interface ManifestConfig {
  resourceIdentifier: ResourceSelector;
  updateStrategy?: UpdateStrategy;
  feedbackRules?: FeedbackRule[];
  conditionRules?: ConditionRule[];
}

export const FieldValueType = {
  Integer: "Integer",
  String: "String",
  Boolean: "Boolean",
  JsonRaw: "JsonRaw",
} as const;
export type FieldValueTypeName = (typeof FieldValueType)[keyof typeof FieldValueType];

export interface FieldValue {
  type: FieldValueTypeName;
  integer?: number;
  string?: string;
  boolean?: boolean;
  jsonRaw?: string;
}

export interface FeedbackValue {
  name: string;
  fieldValue: FieldValue;
}

export interface StatusFeedback {
  values?: FeedbackValue[];
}

export interface ObservedDrift {
  /** JSONPath-like path of the field (`.data.key`, `.spec.replicas`). */
  path: string;
  /** JSON of the value on the managed cluster; absent when the field is missing there. */
  valueInMember?: string;
  /** JSON of the value the Work sets; absent when the Work does not set it. */
  valueInHub?: string;
  /** The field manager that last set the value on the managed cluster, when known. */
  fieldManager?: string;
}

/** Drift the agent reverted (driftDetails), or differences it only reports (diffDetails, ReportDiff). */
export interface DriftDetails {
  observedTime: string;
  firstDriftedObservedTime: string;
  count: number;
  observedDrifts: ObservedDrift[];
}

/** The manifest-level status fields the extensions add beside conditions. */
export interface ManifestStatusExtensions {
  statusFeedback?: StatusFeedback;
  driftDetails?: DriftDetails;
  diffDetails?: DriftDetails;
}

/** Bounds on what one manifest reports (keeps a Work's status small). */
export const StatusBounds = {
  /** Feedback values per manifest. */
  maxFeedbackValues: 50,
  /** Bytes of one JsonRaw feedback value; longer values are reported as an error, not truncated JSON. */
  maxJsonRawBytes: 1024,
  /** Drifts (paths) listed per manifest. */
  maxObservedDrifts: 20,
  /** Bytes of one valueInMember / valueInHub (longer values are cut and marked). */
  maxDriftValueBytes: 256,
} as const;
