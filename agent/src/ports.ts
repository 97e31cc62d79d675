/**
 * The narrow interfaces the Work reconciler uses. `clients.ts` implements
 * them over the runtime's KubeClient and informers; unit tests use fakes.
 */
import type { AppliedWork, Work } from "@work-api/api";
import type { Mapper, Target } from "@work-api/apply";

export interface HubWorks {
  /** The Work from the informer cache. */
  get(namespace: string, name: string): Work | undefined;
  /** PUT the Work (finalizers); fails with 409 when `work` is stale. */
  update(work: Work): Promise<Work>;
  /** PUT the status subresource; fails with 409 when `work` is stale. */
  updateStatus(work: Work): Promise<Work>;
}

export interface SpokeAppliedWorks {
  /** From the cache; falls back to a GET when the cache has not synced. */
  get(name: string): Promise<AppliedWork | undefined>;
  create(aw: AppliedWork): Promise<AppliedWork>;
  updateStatus(aw: AppliedWork): Promise<AppliedWork>;
  /** Deletes with a UID precondition; resolves when gone or absent. */
  delete(name: string, uid: string | undefined): Promise<void>;
}

export interface SpokeObjects extends Target {
  mapper: Mapper;
}
