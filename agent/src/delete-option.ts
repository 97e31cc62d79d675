/**
 * The Work's spec.deleteOption as recorded on its AppliedWork ({@link DELETE_OPTION_ANNOTATION}),
 * as the executor is: a Work gone from the hub without its finalizer (eviction) is cleaned up with
 * the option it last had. A record that cannot be read (hand-edited) orphans everything: the safe
 * side, since nothing is then deleted by mistake. And the owner reference each object is applied
 * with under the option.
 */
import type { AppliedWork, DeleteOption, OwnerReference, ResourceIdentifier } from "@work-api/api";
import { HOLDS_ORPHANS_ANNOTATION, isCrdResource, isNamespaceResource, ownerlessTest, type Target } from "@work-api/apply";
import { DELETE_OPTION_ANNOTATION } from "./labels.js";

/** The annotation value for `option`; null for Foreground (no annotation). */
export function deleteOptionRecord(option: DeleteOption | undefined): string | null {
  const policy = option?.propagationPolicy;
  if (policy === undefined || policy === "Foreground") return null;
  return JSON.stringify(policy === "SelectivelyOrphan" ? { propagationPolicy: policy, selectivelyOrphans: { orphaningRules: option?.selectivelyOrphans?.orphaningRules ?? [] } } : { propagationPolicy: policy });
}

const ORPHAN_ALL: DeleteOption = { propagationPolicy: "Orphan" };

/** The option recorded on the AppliedWork; undefined (Foreground) when none is. */
export function recordedDeleteOption(aw: AppliedWork): DeleteOption | undefined {
  const raw = aw.metadata.annotations?.[DELETE_OPTION_ANNOTATION];
  if (raw === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return ORPHAN_ALL;
  }
  return isDeleteOption(v) ? v : ORPHAN_ALL;
}

function isDeleteOption(v: unknown): v is DeleteOption {
  if (v === null || typeof v !== "object") return false;
  const o = v as { propagationPolicy?: unknown; selectivelyOrphans?: { orphaningRules?: unknown } };
  if (o.propagationPolicy === "Orphan" || o.propagationPolicy === "Foreground") return true;
  if (o.propagationPolicy !== "SelectivelyOrphan") return false;
  const rules = o.selectivelyOrphans?.orphaningRules;
  return Array.isArray(rules) && rules.every((r) => r !== null && typeof r === "object" && typeof (r as { resource?: unknown }).resource === "string" && typeof (r as { name?: unknown }).name === "string");
}

/**
 * The owner reference of one object (BundleOptions.ownerFor): none for an object the option orphans
 * (and the Namespace or CRD that would take it along), nor for a Namespace or CRD that holds
 * orphaned objects already (read from `spoke`'s cache); `owner` otherwise.
 */
export function ownerFor(owner: OwnerReference, option: DeleteOption | undefined, spoke: Pick<Target, "get">): (id: ResourceIdentifier) => Promise<OwnerReference | undefined> {
  const ownerless = ownerlessTest(option);
  return async (id) => {
    const oid = { group: id.group ?? "", resource: id.resource ?? "", namespace: id.namespace ?? "", name: id.name ?? "" };
    if (ownerless?.(oid) === true) return undefined;
    if (!isNamespaceResource(oid) && !isCrdResource(oid)) return owner;
    try {
      const live = await spoke.get({ group: oid.group, version: id.version ?? "", resource: oid.resource, kind: id.kind ?? "", namespaced: false }, undefined, oid.name);
      return live?.metadata?.annotations?.[HOLDS_ORPHANS_ANNOTATION] !== undefined ? undefined : owner;
    } catch {
      // Not readable now: the apply that follows reads it again and reports; without the owner meanwhile (the safe side).
      return undefined;
    }
  };
}
