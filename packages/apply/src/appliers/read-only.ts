/**
 * updateStrategy ReadOnly: never written (no apply, no patch, no delete, on
 * Work deletion neither: this Work holds no field of it, so prune leaves it
 * alone as "never written by this Work"). The object as the API server has
 * it is reported: its health conditions and whatever the status hooks read
 * from `live` (feedback, condition rules). Absent, the manifest is
 * Applied=True (nothing is to be applied) and Available=False, reason
 * ObjectNotFound, until someone creates it: the agent watches the object
 * (a per-object watch, see agent/src/object-watches.ts), so its creation and
 * every change wake the Work.
 */
import { UpdateStrategyType } from "@work-api/api";
import { StrategyReason } from "../failure.js";
import type { ManifestResult } from "../types.js";
import { observeLive, type Applier, type ApplierContext } from "./applier.js";

export const readOnlyApplier: Applier = {
  type: UpdateStrategyType.ReadOnly,
  async apply(ctx: ApplierContext): Promise<ManifestResult> {
    const live = await observeLive(ctx);
    const base = { ordinal: ctx.p.ordinal, identifier: ctx.id, action: "unchanged" as const, reason: StrategyReason.ReadOnly };
    if (!live) return { ...base, message: `${ctx.p.label}: read only: not on the spoke (watched; never written)`, absent: true };
    return { ...base, message: `${ctx.p.label}: read only: reported, never written`, live };
  },
};
