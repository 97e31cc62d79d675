/**
 * What the bundle applier needs from the outside world. The agent passes the
 * runtime's RestMapper and KubeClient (adapted); unit tests pass fakes.
 */
import type { KubeObject, ManifestConfig, ObservedDrift, ResourceIdentifier } from "@work-api/api";

export interface ResourceMapping {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespaced: boolean;
}

export interface Mapper {
  /** Throws an error with `name === "NoKindMatchError"` when the kind is not served. */
  resolve(apiVersion: string, kind: string): Promise<ResourceMapping>;
  /**
   * The preferred served version of a group and kind (prune and delete use it,
   * so an object applied under a version no longer served is still found).
   * Throws a NoKindMatchError when no version of the kind is served.
   */
  resolveGroupKind(group: string, kind: string): Promise<ResourceMapping>;
  /** Forgets cached discovery so a newly established CRD can be found. */
  invalidate(): void;
}

export interface ApplyOptions {
  fieldManager: string;
  force: boolean;
}

export interface ApplyResponse {
  object: KubeObject;
  /** True when the API server created the object (HTTP 201). */
  created: boolean;
}

/** Preconditions of a delete: the API server answers 409 when the live object differs. */
export interface Preconditions {
  uid?: string;
  resourceVersion?: string;
}

export interface Target {
  /** Live object, from a cache when the caller has one; undefined when absent. */
  get(m: ResourceMapping, namespace: string | undefined, name: string): Promise<KubeObject | undefined>;
  /** Live object read from the API server (no cache); undefined when absent. Release and delete decide on it. */
  read(m: ResourceMapping, namespace: string | undefined, name: string): Promise<KubeObject | undefined>;
  /**
   * The live object as the API server has it, whether this agent labelled it or not: from a watch
   * when one covers the object (see the agent's per-object watches), else a GET. Optional: without
   * it, `get` and then `read` are asked. Strategies that must know an object they did not write
   * (ReadOnly, ReportDiff, CreateOnly, take-over, ignoreFields) use it.
   */
  observe?(m: ResourceMapping, namespace: string | undefined, name: string): Promise<KubeObject | undefined>;
  /** Server-side apply with fieldValidation=Strict. */
  apply(m: ResourceMapping, object: KubeObject, opts: ApplyOptions): Promise<ApplyResponse>;
  /**
   * Delete with preconditions: "deleted" when the object is gone,
   * "terminating" when finalizers hold it, "absent" when it was already gone.
   */
  delete(m: ResourceMapping, namespace: string | undefined, name: string, preconditions: Preconditions): Promise<DeleteOutcome>;
  /**
   * JSON merge patch (RFC 7386) of the object; `metadata.uid` and `metadata.resourceVersion` in the
   * patch make it conditional (409 when the live object differs). Returns the object as written.
   */
  mergePatch(m: ResourceMapping, namespace: string | undefined, name: string, patch: object): Promise<KubeObject>;
}

export type DeleteOutcome = "deleted" | "terminating" | "absent";

/** The change set of one manifest or one pruned object. */
export type Action = "created" | "configured" | "unchanged" | "pruned" | "failed";

export interface ManifestResult {
  ordinal: number;
  identifier: ResourceIdentifier;
  action: Action;
  /** Reason for a failure (ManifestInvalid, KindNotFound, ApplyConflict, ...). */
  reason?: string;
  /** Human message; for failures it names the manifest and the cause. */
  message: string;
  /** The live object after the apply, when there is one. */
  live?: KubeObject;
  error?: Error;
  /**
   * Drift this apply reverted: "modified" when the live object had been changed out of band
   * (it still carried this Work's record annotation of the same content, yet was out of sync,
   * and the apply changed it); "deleted" (set by the agent, which knows the object had been
   * applied before) when it was re-created.
   */
  drift?: "modified" | "deleted";
  /** True when the apply took fields from out-of-band field managers (forced after a conflict). */
  forced?: boolean;
  /** The spec.manifestConfigs item that names this object, when one does (see manifest-config.ts). */
  config?: ManifestConfig;
  /**
   * Field-level differences between the manifest and the live object: the drift this apply
   * reverted (with `drift: "modified"`), what a ReportDiff manifest differs by, or why an object
   * was not taken over. Bounded by StatusBounds.
   */
  differences?: ObservedDrift[];
  /**
   * True when the agent looked for the object and it is not on the spoke, and that is a state to
   * report rather than a failure (a ReadOnly or ReportDiff manifest): Available=False.
   */
  absent?: boolean;
}

/** An object the agent once applied, as recorded in AppliedWork.status.appliedResources. */
export interface AppliedRef {
  ordinal: number;
  group: string;
  version: string;
  kind: string;
  resource: string;
  namespace?: string;
  name: string;
  uid?: string;
}

export interface PruneResult {
  ref: AppliedRef;
  /**
   * pruned = deleted or already gone; released = the object stays (another
   * Work still lists it, or it is not this Work's to delete) and only this
   * Work's fields and ownerReference were removed (with spec.deleteOption,
   * its values kept); orphaned = the object stays with its values, and this
   * Work's ownerReference, labels, annotations and field managers were
   * removed (spec.deleteOption, or a Namespace or CRD that holds orphaned
   * objects); terminating = delete accepted, object still finalizing;
   * failed = the delete, release or orphan failed.
   */
  action: "pruned" | "released" | "orphaned" | "terminating" | "failed";
  message: string;
  error?: Error;
}
