/**
 * Builds the object the agent sends for one manifest: the manifest as written,
 * less the fields the server owns, plus the agent's labels, a non-controller
 * owner reference to the Work's AppliedWork (on every object, cluster-scoped
 * ones too: the AppliedWork is cluster-scoped, so it is a valid owner of
 * both), and the record annotation: a hash of what this Work applies, so a
 * later reconcile (after a restart too) sees that the Work changed even when
 * the live object still "contains" the new, smaller manifest.
 */
import { createHash } from "node:crypto";
import type { KubeObject, OwnerReference } from "@work-api/api";
import { stableStringify } from "./last-applied.js";

/** Metadata the API server owns: never sent, never compared. */
export const SERVER_OWNED_METADATA = ["resourceVersion", "uid", "generation", "creationTimestamp", "managedFields", "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds"];

/** Prefix of the per-Work record annotation `work.multicluster.x-k8s.io/applied-<work id>`. */
export const APPLIED_ANNOTATION_PREFIX = "work.multicluster.x-k8s.io/applied-";

/** The record annotation of the Work with id `workId`. */
export function appliedAnnotation(workId: string): string {
  return `${APPLIED_ANNOTATION_PREFIX}${workId}`;
}

export interface DesiredOptions {
  /** Labels added to metadata.labels (the manifest's own labels win on a clash). */
  labels?: Record<string, string>;
  /** Owner reference added to the object. */
  owner?: OwnerReference;
  /** Annotation key that records the hash of what is applied (one per Work). */
  recordAnnotation?: string;
}

/** A short hash of an object, stable across key order. */
export function objectHash(obj: unknown): string {
  return createHash("sha256").update(stableStringify(obj)).digest("hex").slice(0, 16);
}

export function buildDesired(manifest: KubeObject, opts: DesiredOptions): KubeObject {
  const obj = structuredClone(manifest);
  delete obj.status;
  const meta = { ...(obj.metadata ?? {}) };
  for (const k of SERVER_OWNED_METADATA) delete meta[k];
  if (opts.labels && Object.keys(opts.labels).length > 0) {
    meta.labels = { ...opts.labels, ...(meta.labels ?? {}) };
  }
  if (opts.owner) {
    const owners = (meta.ownerReferences ?? []).filter((o) => o.uid !== opts.owner!.uid);
    meta.ownerReferences = [...owners, { ...opts.owner, controller: false, blockOwnerDeletion: false }];
  }
  obj.metadata = meta;
  if (opts.recordAnnotation) {
    const hash = objectHash(obj);
    obj.metadata = { ...meta, annotations: { ...(meta.annotations ?? {}), [opts.recordAnnotation]: hash } };
  }
  return obj;
}
