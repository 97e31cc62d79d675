/**
 * The owner reference each object of a Work is applied with under its
 * spec.deleteOption (BundleOptions.ownerFor): the agent's apply and
 * `kubectl work diff` build objects the same way with it.
 */
import type { DeleteOption, OwnerReference, ResourceIdentifier } from "@work-api/api";
import { isCrdResource, isNamespaceResource, ownerlessTest } from "./delete-option.js";
import { HOLDS_ORPHANS_ANNOTATION } from "./orphan.js";
import type { Target } from "./types.js";

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
