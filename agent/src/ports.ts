/**
 * The narrow interfaces the Work reconciler uses. The agent implements them
 * over the runtime's KubeClient and informers (hub.ts, applied-works.ts,
 * spoke.ts); unit tests use fakes.
 */
import type { AppliedWork, Work, WorkStatus } from "@work-api/api";
import type { Mapper, Target } from "@work-api/apply";

export interface HubWorks {
  /** The Work from the informer cache (or the agent's newer write). */
  get(namespace: string, name: string): Work | undefined;
  /** The Work read from the hub API server (no cache); undefined when it does not exist. */
  read(namespace: string, name: string): Promise<Work | undefined>;
  /** JSON patch guarded by `test`: fails (409/422) when the finalizers changed meanwhile. */
  addFinalizer(work: Work, finalizer: string): Promise<Work>;
  /** JSON patch guarded by `test`; undefined when the Work is gone. */
  removeFinalizer(work: Work, finalizer: string): Promise<Work | undefined>;
  /** Merge patch of the status subresource with only `status`'s fields, under the Work's resourceVersion. */
  patchStatus(work: Work, status: Partial<WorkStatus>): Promise<Work>;
}

export interface SpokeAppliedWorks {
  /** From the cache; falls back to a GET when the cache has not synced. */
  get(name: string): Promise<AppliedWork | undefined>;
  /** Any agent's AppliedWork by name, from the API server. */
  read(name: string): Promise<AppliedWork | undefined>;
  /** Every AppliedWork on the spoke, of every agent, from the API server. */
  listAll(): Promise<AppliedWork[]>;
  create(aw: AppliedWork): Promise<AppliedWork>;
  updateStatus(aw: AppliedWork): Promise<AppliedWork>;
  /** Marks the AppliedWork as letting go of everything (its Work is being deleted): other Works no longer count its inventory as wanting an object. */
  markLettingGo(aw: AppliedWork): Promise<AppliedWork>;
  /** Removes that mark (the Work came back). */
  clearLettingGo(aw: AppliedWork): Promise<AppliedWork>;
  /** Records who writes the Work's objects (EXECUTOR_ANNOTATION; null removes it), for clean-up after the Work is gone. */
  setExecutor(aw: AppliedWork, user: string | null): Promise<AppliedWork>;
  /** Records the Work's spec.deleteOption (DELETE_OPTION_ANNOTATION, see delete-option.ts; null removes it), for clean-up after the Work is gone. */
  setDeleteOption(aw: AppliedWork, record: string | null): Promise<AppliedWork>;
  /** Records which listed objects the Work only looks at (READ_ONLY_ANNOTATION, see read-only.ts; null removes it). */
  setReadOnly(aw: AppliedWork, value: string | null): Promise<AppliedWork>;
  /** Deletes with a UID precondition; resolves when gone or absent. */
  delete(name: string, uid: string | undefined): Promise<void>;
}

export interface SpokeObjects extends Target {
  mapper: Mapper;
  /**
   * The same objects, written (apply, delete) as `user` (impersonated); reads stay the agent's own
   * (its caches). undefined: the agent's own identity.
   */
  as(user: string | undefined): Target;
}
