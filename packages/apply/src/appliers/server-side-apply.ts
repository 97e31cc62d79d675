/**
 * updateStrategy ServerSideApply (the default): applied and kept in sync.
 *
 * An apply is sent whenever the live object is not in sync with the desired
 * one, which carries this Work's record annotation (a hash of what it
 * applies), so an edit that only removes fields is still sent. Applies go
 * without force first; a conflict with another Work's field manager leaves
 * the field with its holder (ApplyConflict); a conflict only with
 * out-of-band managers is forced when `serverSideApply.force` says so (or,
 * when it is absent, the agent's --force-conflicts): drift correction.
 *
 * `serverSideApply.ignoreFields` leaves fields to the spoke (ignore-fields.ts);
 * `takeOver` decides about an object no Work made (take-over.ts). Both need
 * the object as the API server has it, so with either set the object is
 * looked up even when the agent's label-selected cache does not hold it.
 */
import { UpdateStrategyType, type KubeObject } from "@work-api/api";
import { inSync } from "../compare.js";
import { objectDifferences } from "../diff.js";
import { ApplyFailureReason, httpStatus } from "../failure.js";
import { parseConflicts, workOwnerOfManager, type FieldConflict } from "../ownership.js";
import type { BundleOptions } from "../bundle.js";
import type { ManifestResult } from "../types.js";
import { failedResult, manifestOnly, observeLive, type Applier, type ApplierContext } from "./applier.js";
import { leaveToSpoke, parseIgnoreFields, type IgnoreOptions } from "./ignore-fields.js";
import { JsonPathError } from "./json-path.js";
import { takeOverRefusal } from "./take-over.js";

export const serverSideApplier: Applier = {
  type: UpdateStrategyType.ServerSideApply,
  async apply(ctx: ApplierContext): Promise<ManifestResult> {
    const { p, mapping, id, opts } = ctx;
    const ssa = ctx.strategy.serverSideApply ?? {};
    let rules;
    try {
      rules = parseIgnoreFields(ssa.ignoreFields);
    } catch (err) {
      if (!(err instanceof JsonPathError)) throw err;
      return failedResult(p.ordinal, id, ApplyFailureReason.InvalidManifestConfig, `${p.label}: serverSideApply.ignoreFields: ${err.message}`, err);
    }
    const takeOver = ctx.strategy.takeOver;
    const lookUp = rules.length > 0 || (takeOver !== undefined && takeOver !== "Always");
    let live = await opts.target.get(mapping, p.namespace, p.name);
    if (!live && lookUp) live = await observeLive(ctx);
    ctx.seen.live = live;
    const ignore = ignoreOptions(opts, live);
    const desired = leaveToSpoke(ctx.desired, live, rules, ignore).desired;
    if (live && takeOver !== undefined) {
      const refused = takeOverRefusal(ctx, live, takeOver, leaveToSpoke(manifestOnly(ctx), live, rules, ignore).desired);
      if (refused) return refused;
    }
    if (live && (inSync(desired, live) || opts.lastApplied?.matches(mapping, live, desired, opts.fieldManager))) {
      return { ordinal: p.ordinal, identifier: id, action: "unchanged", message: `${p.label}: up to date`, live };
    }
    const force = ssa.force ?? opts.force;
    const res = await applyHoldingWorkFields(ctx, desired, live, force);
    if ("conflict" in res) return res.conflict;
    opts.lastApplied?.record(mapping, res.object, desired, opts.fieldManager);
    const before = live?.metadata?.resourceVersion;
    const action = res.created ? "created" : before !== undefined && before === res.object.metadata?.resourceVersion ? "unchanged" : "configured";
    const drift = action === "configured" && live !== undefined && recordUnchanged(desired, live, opts.recordAnnotation);
    // What was reverted, and who had changed it: read from the live object as it was before the apply.
    const reverted = drift ? { drift: "modified" as const, differences: objectDifferences(desired, live, { self: opts.fieldManager }) } : {};
    return { ordinal: p.ordinal, identifier: id, action, message: `${p.label}: ${action}`, live: res.object, ...reverted, ...(res.forced ? { forced: true } : {}) };
  },
};

function ignoreOptions(opts: BundleOptions, live: KubeObject | undefined): IgnoreOptions {
  return {
    fieldManager: opts.fieldManager,
    isWorkManager: (m) => workOwnerOfManager(m, live) !== undefined,
    agentLabels: Object.keys(opts.labels ?? {}),
    agentAnnotations: opts.recordAnnotation ? [opts.recordAnnotation] : [],
  };
}

/**
 * SSA without force; on a conflict, force only when every conflicting
 * manager is out of band (not another Work) and `force` is set.
 */
async function applyHoldingWorkFields(
  ctx: ApplierContext,
  desired: KubeObject,
  live: KubeObject | undefined,
  force: boolean,
): Promise<{ object: KubeObject; created: boolean; forced?: boolean } | { conflict: ManifestResult }> {
  const { p, mapping, opts } = ctx;
  try {
    return await opts.target.apply(mapping, desired, { fieldManager: opts.fieldManager, force: false });
  } catch (err) {
    if (httpStatus(err) !== 409) throw err;
    const conflicts = parseConflicts(err);
    // Decide on a fresh read: a cached copy may not show the ownerReference of a Work that just took the field.
    const current = (await opts.target.read(mapping, p.namespace, p.name)) ?? live;
    const ownUid = opts.owner?.uid;
    // A manager of this same Work under an older --field-manager base is this Work's own.
    const byWorks = conflicts.filter((c) => {
      const o = workOwnerOfManager(c.manager, current);
      return o !== undefined && o.uid !== ownUid;
    });
    if (byWorks.length === 0 && force && conflicts.length > 0) {
      // Forced under the resourceVersion just read: a Work that takes a field after that read is not overridden
      // (409, retried). The holders are judged from the first 409's conflicts and this read's ownerReferences; a
      // Work that took the field between the two is the one window left open.
      const pinned = { ...desired, metadata: { ...desired.metadata, resourceVersion: current?.metadata?.resourceVersion } };
      return { ...(await opts.target.apply(mapping, pinned, { fieldManager: opts.fieldManager, force: true })), forced: true };
    }
    const held = byWorks.length > 0 ? byWorks : conflicts;
    const who = await describeHolders(held, current, opts);
    const msg = `${p.label}: ${who}; nothing is written until the conflict ends`;
    const error = err instanceof Error ? err : new Error(String(err));
    return { conflict: failedResult(p.ordinal, ctx.id, ApplyFailureReason.ApplyConflict, msg, error, current) };
  }
}

/**
 * True when the live object carries this Work's record annotation with the value `desired` carries:
 * the Work applies what it applied last time, so a difference was made by someone else (drift).
 */
function recordUnchanged(desired: KubeObject, live: KubeObject, annotation: string | undefined): boolean {
  if (annotation === undefined) return false;
  const want = desired.metadata?.annotations?.[annotation];
  return want !== undefined && live.metadata?.annotations?.[annotation] === want;
}

async function describeHolders(conflicts: readonly FieldConflict[], live: KubeObject | undefined, opts: BundleOptions): Promise<string> {
  if (conflicts.length === 0) return "conflict with another field manager";
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) byManager.set(c.manager, [...(byManager.get(c.manager) ?? []), c.field]);
  const parts: string[] = [];
  for (const [manager, fields] of byManager) {
    const owner = workOwnerOfManager(manager, live);
    const work = owner ? ((await opts.describeOwner?.(owner).catch(() => undefined)) ?? `the Work of AppliedWork ${owner.name}`) : undefined;
    const holder = work ? `${work} (field manager "${manager}")` : `field manager "${manager}"`;
    parts.push(`${fields.join(", ")} held by ${holder}`);
  }
  return `conflict: ${parts.join("; ")}`;
}
