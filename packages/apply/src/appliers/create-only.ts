/**
 * updateStrategy CreateOnly: created when absent, never written afterwards.
 * A later edit of the manifest changes nothing on the spoke, nor is an
 * out-of-band edit reverted. Deleted on the spoke, it is created again (as
 * OCM does): the Work still says it should exist, and "created when absent"
 * holds at every reconcile.
 *
 * The create is a server-side apply without force, so the object carries
 * this Work's field manager, labels and owner like any other (it is deleted
 * with the Work, and a later switch to ServerSideApply finds it its own). If
 * someone creates the object between the look-up and the apply, the apply
 * takes no field from them: a differing field is a conflict, and the object
 * is then reported as existing, unwritten.
 *
 * An object that existed before the Work is never written by it, so the Work
 * never deletes it either (prune: "never written by this Work").
 */
import { UpdateStrategyType, type KubeObject } from "@work-api/api";
import { StrategyReason, httpStatus } from "../failure.js";
import type { ManifestResult } from "../types.js";
import { observeLive, type Applier, type ApplierContext } from "./applier.js";

function exists(ctx: ApplierContext, live: KubeObject): ManifestResult {
  return { ordinal: ctx.p.ordinal, identifier: ctx.id, action: "unchanged", reason: StrategyReason.CreateOnly, message: `${ctx.p.label}: exists; create only: not written after its creation`, live };
}

export const createOnlyApplier: Applier = {
  type: UpdateStrategyType.CreateOnly,
  async apply(ctx: ApplierContext): Promise<ManifestResult> {
    const { p, mapping, opts } = ctx;
    const live = await observeLive(ctx);
    if (live) return exists(ctx, live);
    try {
      const res = await opts.target.apply(mapping, ctx.desired, { fieldManager: opts.fieldManager, force: false });
      const action = res.created ? "created" : "configured";
      return { ordinal: p.ordinal, identifier: ctx.id, action, message: `${p.label}: ${action}`, live: res.object };
    } catch (err) {
      if (httpStatus(err) !== 409) throw err;
      const current = await opts.target.read(mapping, p.namespace, p.name);
      if (!current) throw err;
      return exists(ctx, current);
    }
  },
};
