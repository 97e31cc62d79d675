/**
 * updateStrategy ReportDiff: never written; the differences between what the
 * manifest sets and the live object are put in the result's `differences`
 * (objectDifferences, with the field manager holding each value), which the
 * status turns into the manifest's diffDetails. Empty when the object
 * matches. Like ReadOnly, the object is watched (every change re-reports)
 * and never deleted by this Work; absent, every field of the manifest is a
 * difference and the manifest is Available=False.
 */
import { UpdateStrategyType } from "@work-api/api";
import { objectDifferences } from "../diff.js";
import { StrategyReason } from "../failure.js";
import type { ManifestResult } from "../types.js";
import { manifestOnly, namePaths, observeLive, type Applier, type ApplierContext } from "./applier.js";

export const reportDiffApplier: Applier = {
  type: UpdateStrategyType.ReportDiff,
  async apply(ctx: ApplierContext): Promise<ManifestResult> {
    const live = await observeLive(ctx);
    const differences = objectDifferences(manifestOnly(ctx), live, { self: ctx.opts.fieldManager });
    const base = { ordinal: ctx.p.ordinal, identifier: ctx.id, action: "unchanged" as const, reason: StrategyReason.ReportedDiff, differences };
    const paths = namePaths(differences.map((d) => d.path));
    if (!live) return { ...base, message: `${ctx.p.label}: report diff: not on the spoke (watched; never written)`, absent: true };
    const what = differences.length > 0 ? `differs from the manifest at ${paths}` : "matches the manifest";
    return { ...base, message: `${ctx.p.label}: report diff: ${what} (never written)`, live };
  },
};
