/**
 * `updateStrategy.takeOver`: whether a server-side apply takes over an
 * object that exists on the spoke and that no Work made.
 *
 * "No Work made it": it names no AppliedWork as owner (of this Work or any
 * other), carries no hand-off mark of a Work that let go of it
 * (RELEASED_ANNOTATION), and holds no field of this Work's field manager.
 * That is an object created before any Work, by someone else, or orphaned by
 * a Work (orphaning drops the owner and the field ownership). An object
 * another Work owns is shared, not "pre-existing": the sharing contract
 * applies to it (each Work owns its fields, a field another Work holds is
 * ApplyConflict), whatever this policy says. As OCM, which takes over only
 * objects no ManifestWork owns.
 *
 * - Always (default): taken over (today's behaviour).
 * - IfNoDiff: taken over when every field the manifest sets already has the
 *   manifest's value on the spoke (objectDifferences finds nothing; fields
 *   left to the spoke by ignoreFields do not count).
 * - Never: not taken over.
 *
 * Not taken over: nothing is written, the manifest is Applied=False, reason
 * NotTakenOver, naming the differing paths (also in `differences`). Once
 * taken over, the object carries this Work's owner and fields, so later
 * reconciles do not check again.
 */
import { TakeOverPolicy, type KubeObject, type TakeOverPolicyName } from "@work-api/api";
import { objectDifferences } from "../diff.js";
import { ApplyFailureReason } from "../failure.js";
import { appliedWorkOwners } from "../ownership.js";
import { RELEASED_ANNOTATION } from "../prune.js";
import type { ManifestResult } from "../types.js";
import { failedResult, namePaths, type ApplierContext } from "./applier.js";
import { sameWork } from "./ignore-fields.js";

/** True when a Work made the object or holds part of it (see the module comment). */
export function madeByAWork(live: KubeObject, fieldManager: string): boolean {
  if (appliedWorkOwners(live).length > 0) return true;
  if (live.metadata?.annotations?.[RELEASED_ANNOTATION] !== undefined) return true;
  return (live.metadata?.managedFields ?? []).some((f) => sameWork((f as { manager?: string }).manager ?? "", fieldManager));
}

/**
 * The NotTakenOver result when the policy refuses the object, undefined when it may be applied.
 * `compared` is the manifest alone with the fields left to the spoke resolved (see ignore-fields.ts).
 */
export function takeOverRefusal(ctx: ApplierContext, live: KubeObject, policy: TakeOverPolicyName, compared: KubeObject): ManifestResult | undefined {
  if (policy === TakeOverPolicy.Always || madeByAWork(live, ctx.opts.fieldManager)) return undefined;
  const differences = objectDifferences(compared, live, { self: ctx.opts.fieldManager });
  if (policy === TakeOverPolicy.IfNoDiff && differences.length === 0) return undefined;
  const diff = differences.length > 0 ? `it differs from the manifest at ${namePaths(differences.map((d) => d.path))}` : "it matches the manifest";
  const msg = `${ctx.p.label}: exists on the spoke and no Work applied it; takeOver ${policy}: not taken over, nothing written (${diff})`;
  return { ...failedResult(ctx.p.ordinal, ctx.id, ApplyFailureReason.NotTakenOver, msg, undefined, live), differences };
}
