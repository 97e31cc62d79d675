/**
 * The Work's spec.deleteOption as recorded on its AppliedWork ({@link DELETE_OPTION_ANNOTATION}),
 * as the executor is: a Work gone from the hub without its finalizer (eviction) is cleaned up with
 * the option it last had. A record that cannot be read (hand-edited) orphans everything: the safe
 * side, since nothing is then deleted by mistake. And the owner reference each object is applied
 * with under the option.
 */
import type { AppliedWork, DeleteOption } from "@work-api/api";
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

// The owner reference each object is applied with under the option (kubectl work diff uses it too).
export { ownerFor } from "@work-api/apply";
