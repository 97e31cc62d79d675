/**
 * Builds the object the agent sends for one manifest: the manifest as written,
 * less the fields the server owns, plus the agent's labels and (for
 * namespaced objects) a non-controller owner reference to the AppliedWork.
 */
import type { KubeObject, OwnerReference } from "@work-api/api";

const SERVER_OWNED_METADATA = ["resourceVersion", "uid", "generation", "creationTimestamp", "managedFields", "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds"];

export interface DesiredOptions {
  /** Labels added to metadata.labels (the manifest's own labels win on a clash). */
  labels?: Record<string, string>;
  /** Owner reference added to namespaced objects. */
  owner?: OwnerReference;
  namespaced: boolean;
}

export function buildDesired(manifest: KubeObject, opts: DesiredOptions): KubeObject {
  const obj = structuredClone(manifest);
  delete obj.status;
  const meta = { ...(obj.metadata ?? {}) };
  for (const k of SERVER_OWNED_METADATA) delete meta[k];
  if (opts.labels && Object.keys(opts.labels).length > 0) {
    meta.labels = { ...opts.labels, ...(meta.labels ?? {}) };
  }
  if (opts.namespaced && opts.owner) {
    const owners = (meta.ownerReferences ?? []).filter((o) => o.uid !== opts.owner!.uid);
    meta.ownerReferences = [...owners, { ...opts.owner, controller: false, blockOwnerDeletion: false }];
  }
  obj.metadata = meta;
  return obj;
}
