/**
 * Removes objects the agent applied and no longer wants, in the reverse of
 * apply order, each with a UID precondition so an object someone re-created
 * under the same name is never touched.
 */
import { httpStatus } from "./failure.js";
import { describeManifest } from "./manifest.js";
import { sortForPrune } from "./order.js";
import type { AppliedRef, PruneResult, ResourceMapping, Target } from "./types.js";

export function mappingOf(ref: AppliedRef): ResourceMapping {
  return { group: ref.group, version: ref.version, resource: ref.resource, kind: ref.kind, namespaced: Boolean(ref.namespace) };
}

/** Objects in `previous` that `keep` no longer names (by group, resource, namespace, name). */
export function staleRefs(previous: readonly AppliedRef[], keep: readonly AppliedRef[]): AppliedRef[] {
  const k = (r: AppliedRef): string => `${r.group}/${r.resource}/${r.namespace ?? ""}/${r.name}`;
  const wanted = new Set(keep.map(k));
  return previous.filter((r) => !wanted.has(k(r)));
}

export async function pruneObjects(refs: readonly AppliedRef[], target: Target): Promise<PruneResult[]> {
  const out: PruneResult[] = [];
  for (const ref of sortForPrune(refs)) {
    const label = describeManifest(ref.ordinal, ref.kind, ref.namespace, ref.name);
    const m = mappingOf(ref);
    try {
      const outcome = await target.delete(m, ref.namespace || undefined, ref.name, ref.uid);
      if (outcome === "terminating") out.push({ ref, action: "terminating", message: `${label}: waiting for its finalizers` });
      else out.push({ ref, action: "pruned", message: outcome === "absent" ? `${label}: already gone` : `${label}: deleted` });
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      // 409 on a UID precondition: the name now belongs to another object, which is not ours to delete.
      if (httpStatus(err) === 409) {
        out.push({ ref, action: "pruned", message: `${label}: replaced by another object; left alone` });
      } else {
        out.push({ ref, action: "failed", message: `${label}: delete failed: ${error.message}`, error });
      }
    }
  }
  return out;
}
