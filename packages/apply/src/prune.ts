/**
 * Letting go of objects a Work no longer lists (or of all of them when the
 * Work is deleted), in the reverse of apply order. Each object is read from
 * the API server first:
 *
 * - gone, or re-created by someone else under the same name (another uid,
 *   without this Work's ownerReference): nothing to do;
 * - still wanted by another Work: another AppliedWork owner on the object,
 *   another Work's inventory that lists it (a Work about to apply it, or
 *   waiting on a conflict), or, for a Namespace, another Work's objects in
 *   it: released: a server-side apply of an empty object with this Work's
 *   field manager removes exactly this Work's fields, labels and
 *   ownerReference, under the live uid and resourceVersion. When no
 *   AppliedWork owner is left after that, the object is handed off: it keeps
 *   the annotation {@link RELEASED_ANNOTATION}, so the last Work that lists it
 *   (or, for a Namespace, the last Work with objects in it) deletes it;
 * - otherwise deleted with uid and resourceVersion preconditions, so an
 *   object another Work just took over is never deleted.
 *
 * spec.deleteOption (`orphan`) and the Namespaces and CRDs that hold orphaned
 * objects keep objects on the spoke instead (orphan.ts): orphaned (values
 * kept, nothing of this Work left on them); or, when another Work still
 * owns or lists the object, released or handed off with the values kept.
 *
 * The kind is resolved through discovery by group and kind (again, from a
 * fresh discovery, when the API server says the resource is not served or
 * discovery misses the kind), so an object applied under a version the
 * server no longer serves is still found. `Target.read` must throw a 404 for
 * a missing resource and return undefined for a missing object.
 */
import type { KubeObject } from "@work-api/api";
import { httpStatus, missingOf } from "./failure.js";
import { describeManifest } from "./manifest.js";
import { sortForPrune } from "./order.js";
import { appliedWorkOwners, otherOwners, ownedBy } from "./ownership.js";
import type { AppliedRef, Mapper, PruneResult, ResourceMapping, Target } from "./types.js";
import { isNoKindMatch } from "./bundle.js";
import type { ObjectIdentity } from "./manifest-config.js";
import { HOLDS_ORPHANS_ANNOTATION, OrphanBatch, OrphanFailedError, stripWork } from "./orphan.js";

/** On an object a Work let go of while another Work still wanted it and no AppliedWork owned it any more. */
export const RELEASED_ANNOTATION = "work.multicluster.x-k8s.io/released";

export interface PruneOptions {
  target: Target;
  mapper: Mapper;
  /** The Work's field manager: its fields are what a release removes. */
  fieldManager: string;
  /** uid of the Work's AppliedWork. */
  ownerUid: string;
  /**
   * True when a Work other than this one still wants the object: its
   * inventory lists it, or (for a Namespace) lists objects in it.
   */
  inUse?: (ref: AppliedRef) => Promise<boolean>;
  /** Objects the Work still lists (not let go of now): a Namespace with one of them in it is never deleted here. */
  keep?: readonly AppliedRef[];
  /** Attempts when the object changes under a precondition. Default 3. */
  attempts?: number;
  /**
   * spec.deleteOption (see delete-option.ts `orphanTest`), on the object's resource as discovery
   * resolves it: true for an object to leave on the spoke (orphaned) instead of deleting it.
   */
  orphan?: ((id: ObjectIdentity) => boolean) | undefined;
  /**
   * True for an object applied without this Work's AppliedWork ownerReference (the deleteOption of
   * that apply orphans it, see `ownerlessTest`): still this Work's own, to delete, when it carries
   * this Work's field manager and the recorded uid.
   */
  ownerless?: ((id: ObjectIdentity) => boolean) | undefined;
  /** The labels and annotations this Work puts on its objects: removed from an orphaned one. */
  ownMetadata?: { labels?: readonly string[]; annotations?: readonly string[] } | undefined;
  /** True for an object this Work only looks at (updateStrategy ReadOnly, ReportDiff): never deleted or released. */
  leaveAlone?: (ref: AppliedRef) => boolean;
}

/** Results of a delete that removed the object (not "already gone", not "left alone"). */
const deletedNow = new WeakSet<PruneResult>();

/** The mapping an inventory entry was recorded under (which may no longer be served). */
export function mappingOf(ref: AppliedRef): ResourceMapping {
  return { group: ref.group, version: ref.version, resource: ref.resource, kind: ref.kind, namespaced: Boolean(ref.namespace) };
}

/** Objects in `previous` that `keep` no longer names (by group, kind, namespace, name). */
export function staleRefs(previous: readonly AppliedRef[], keep: readonly AppliedRef[]): AppliedRef[] {
  const k = (r: AppliedRef): string => `${r.group}/${r.kind}/${r.namespace ?? ""}/${r.name}`;
  const wanted = new Set(keep.map(k));
  return previous.filter((r) => !wanted.has(k(r)));
}

export async function pruneObjects(refs: readonly AppliedRef[], opts: PruneOptions): Promise<PruneResult[]> {
  const out: PruneResult[] = [];
  const emptied = new Set<string>();
  const batch = new OrphanBatch([...refs, ...(opts.keep ?? [])]);
  for (const ref of sortForPrune(refs)) {
    const r = await letGo(ref, opts, batch);
    out.push(r);
    // Only a genuine delete empties a namespace: not an object already gone, left alone or orphaned.
    if (ref.namespace && deletedNow.has(r)) emptied.add(ref.namespace);
  }
  // A Namespace handed off by another Work is deleted by the last Work that had objects in it.
  const listed = new Set(refs.filter((r) => r.kind === "Namespace" && r.group === "").map((r) => r.name));
  const stillUsed = new Set((opts.keep ?? []).map((r) => r.namespace ?? ""));
  for (const ns of emptied) {
    if (listed.has(ns) || stillUsed.has(ns) || batch.namespaces.has(ns)) continue;
    const r = await deleteHandedOffNamespace(ns, opts);
    if (r) out.push(r);
  }
  return out;
}

async function deleteHandedOffNamespace(name: string, opts: PruneOptions): Promise<PruneResult | undefined> {
  const ref: AppliedRef = { ordinal: 0, group: "", version: "v1", kind: "Namespace", resource: "namespaces", name };
  try {
    const m = await opts.mapper.resolveGroupKind("", "Namespace");
    const live = await opts.target.read(m, undefined, name);
    if (!live || live.metadata?.annotations?.[RELEASED_ANNOTATION] === undefined || appliedWorkOwners(live).length > 0 || live.metadata.deletionTimestamp) return undefined;
    if (live.metadata.annotations[HOLDS_ORPHANS_ANNOTATION] !== undefined) return undefined;
    if (await opts.inUse?.(ref)) return undefined;
    return await remove(ref, `Namespace ${name}`, m, undefined, live, opts);
  } catch (err) {
    return failure(ref, `Namespace ${name}`, "delete failed", err);
  }
}

/** The object an empty apply sends: identity and preconditions only (plus the hand-off mark). */
function releaseBody(m: ResourceMapping, live: KubeObject, handOff: boolean): KubeObject {
  return {
    apiVersion: m.group === "" ? m.version : `${m.group}/${m.version}`,
    kind: m.kind,
    metadata: {
      name: live.metadata!.name!,
      ...(m.namespaced ? { namespace: live.metadata?.namespace } : {}),
      uid: live.metadata?.uid,
      resourceVersion: live.metadata?.resourceVersion,
      ...(handOff ? { annotations: { [RELEASED_ANNOTATION]: "true" } } : {}),
    },
  };
}

/** The mapping of group/kind from discovery; a miss is checked again against a fresh discovery. */
async function resolveFresh(ref: AppliedRef, opts: PruneOptions, fresh: boolean): Promise<ResourceMapping | undefined> {
  if (fresh) opts.mapper.invalidate();
  try {
    return await opts.mapper.resolveGroupKind(ref.group, ref.kind);
  } catch (err) {
    if (!isNoKindMatch(err)) throw err;
    if (!fresh) return resolveFresh(ref, opts, true);
    return undefined;
  }
}

async function letGo(ref: AppliedRef, opts: PruneOptions, batch: OrphanBatch): Promise<PruneResult> {
  const label = describeManifest(ref.ordinal, ref.kind, ref.namespace, ref.name);
  const gone: PruneResult = { ref, action: "pruned", message: `${label}: its kind is no longer served; nothing left to delete` };
  let m: ResourceMapping | undefined;
  try {
    m = await resolveFresh(ref, opts, false);
  } catch (err) {
    return failure(ref, label, "delete failed", err);
  }
  if (!m) return gone;
  for (let attempt = 1; ; attempt++) {
    // An entry whose scope does not fit its kind came from a manifest that could never be applied.
    if (m.namespaced !== Boolean(ref.namespace)) return { ref, action: "pruned", message: `${label}: never applied (namespace does not fit the kind's scope)` };
    const ns = m.namespaced ? ref.namespace : undefined;
    let live: KubeObject | undefined;
    try {
      live = await opts.target.read(m, ns, ref.name);
    } catch (err) {
      // A 404 for the resource itself: discovery is stale (say, the version was just unserved); resolve again.
      if (httpStatus(err) === 404 && missingOf(err) === "kind" && attempt < (opts.attempts ?? 3)) {
        try {
          m = await resolveFresh(ref, opts, true);
        } catch (e) {
          return failure(ref, label, "delete failed", e);
        }
        if (!m) return gone;
        continue;
      }
      // 403 on the read of an entry never recorded as applied (no uid): this agent could not have written it either.
      if (httpStatus(err) === 403 && !ref.uid) return { ref, action: "pruned", message: `${label}: never applied (the agent may not read it); left alone` };
      return failure(ref, label, "delete failed", err);
    }
    try {
      return await decide(ref, label, m, ns, live, opts, batch);
    } catch (err) {
      // 409: the object changed under the precondition (another Work took it, someone edited it): decide again.
      if (httpStatus(err) === 409 && attempt < (opts.attempts ?? 3)) continue;
      if (err instanceof OrphanFailedError) return failure(ref, label, "orphan failed", err.cause);
      return failure(ref, label, "delete failed", err);
    }
  }
}

async function decide(ref: AppliedRef, label: string, m: ResourceMapping, ns: string | undefined, live: KubeObject | undefined, opts: PruneOptions, batch: OrphanBatch): Promise<PruneResult> {
  if (opts.leaveAlone?.(ref)) return lookedAt(ref, label, m, ns, live, opts, batch);
  if (!live) return { ref, action: "pruned", message: `${label}: already gone` };
  const mine = ownedBy(live, opts.ownerUid);
  const others = otherOwners(live, opts.ownerUid);
  const handedOff = live.metadata?.annotations?.[RELEASED_ANNOTATION] !== undefined && appliedWorkOwners(live).length === 0;
  if (!mine && !handedOff) {
    if (ref.uid && live.metadata?.uid !== ref.uid) return { ref, action: "pruned", message: `${label}: replaced by another object; left alone` };
    if (!managedBy(live, opts.fieldManager)) return { ref, action: "pruned", message: `${label}: never written by this Work; left alone` };
  }
  // The resource as discovery resolves it: an entry recorded before its first apply has none.
  const id: ObjectIdentity = { group: m.group, resource: m.resource, namespace: ns ?? "", name: ref.name };
  const stays = opts.orphan?.(id) === true ? "its deleteOption orphans it" : batch.holdsOrphans(id, live);
  if (stays !== undefined) return keepOnSpoke(ref, label, m, ns, live, opts, batch, stays, others.length);
  // This Work's own also when its owner reference is missing but the object is the one it applied (the
  // recorded uid) and still carries its field manager: applied without the owner while a deleteOption
  // orphaned it and not written since (CreateOnly), or its owner reference removed by hand (the next
  // apply puts it back; only the deleteOption detaches an object). An empty apply would strip every
  // value only this Work held. An object another AppliedWork owns, or another Work lists, is released.
  const appliedHere = ref.uid !== undefined && live.metadata?.uid === ref.uid && managedBy(live, opts.fieldManager);
  const own = mine || appliedHere || (!handedOff && opts.ownerless?.(id) === true);
  const wanted = others.length > 0 || (await opts.inUse?.(ref)) === true;
  if (!wanted && (own || handedOff)) return remove(ref, label, m, ns, live, opts);
  const handOff = others.length === 0 && wanted;
  // Pinned to the resourceVersion just read: if another owner let go meanwhile this 409s and the
  // object is decided again, so whoever lets go last sees no other owner and deletes.
  await opts.target.apply(m, releaseBody(m, live, handOff), { fieldManager: opts.fieldManager, force: false });
  const why = !own ? "not this Work's to delete" : others.length > 0 ? `still owned by ${others.length} other Work(s)` : "another Work still wants it";
  return { ref, action: "released", message: `${label}: released (${why})` };
}

/**
 * An object this Work only looks at (ReadOnly, ReportDiff) is never deleted. If it still carries this
 * Work's marks (its owner reference, field manager, label: it was applied before the switch), they
 * are removed as an orphan's are, so the garbage collector does not take it with the AppliedWork.
 * When the deleteOption orphans it, its Namespace and CRD are kept too.
 */
async function lookedAt(ref: AppliedRef, label: string, m: ResourceMapping, ns: string | undefined, live: KubeObject | undefined, opts: PruneOptions, batch: OrphanBatch): Promise<PruneResult> {
  const why = "only looked at by this Work (ReadOnly or ReportDiff)";
  if (!live) return { ref, action: "pruned", message: `${label}: ${why}; already gone` };
  const id: ObjectIdentity = { group: m.group, resource: m.resource, namespace: ns ?? "", name: ref.name };
  const marked = ownedBy(live, opts.ownerUid) || managedBy(live, opts.fieldManager);
  // Orphaned by the deleteOption: as any orphan (its Namespace and CRD are kept too).
  if (marked && opts.orphan?.(id) === true) return keepOnSpoke(ref, label, m, ns, live, opts, batch, why, otherOwners(live, opts.ownerUid).length);
  if (marked) {
    // Otherwise only this Work's marks go: a Namespace the Work deletes still takes the object along.
    const others = otherOwners(live, opts.ownerUid).length;
    const wanted = others > 0 || (await opts.inUse?.(ref)) === true;
    try {
      await stripWork(m, ns, ref.name, live, { ...opts, releasedAnnotation: RELEASED_ANNOTATION }, { keepLabel: others > 0, handOff: others === 0 && wanted });
    } catch (err) {
      throw new OrphanFailedError(err);
    }
    return { ref, action: "released", message: `${label}: ${why}; this Work's owner reference, label and field managers removed, values kept` };
  }
  if (opts.orphan?.(id) === true) {
    try {
      await batch.markContainers(m, ns, { ...opts, releasedAnnotation: RELEASED_ANNOTATION });
    } catch (err) {
      throw new OrphanFailedError(err);
    }
    batch.orphaned(m, ns);
  }
  return { ref, action: "pruned", message: `${label}: ${why}; left alone` };
}

/**
 * Leaves the object on the spoke with its values. Shared: released (another AppliedWork owns it)
 * or handed off (another Work lists it: the last one that does deletes it). Otherwise orphaned,
 * after its Namespace and CRD are marked so no prune deletes them from under it.
 */
async function keepOnSpoke(ref: AppliedRef, label: string, m: ResourceMapping, ns: string | undefined, live: KubeObject, opts: PruneOptions, batch: OrphanBatch, why: string, others: number): Promise<PruneResult> {
  const wanted = others > 0 || (await opts.inUse?.(ref)) === true;
  const ctx = { ...opts, releasedAnnotation: RELEASED_ANNOTATION };
  try {
    if (!wanted) await batch.markContainers(m, ns, ctx);
    await stripWork(m, ns, ref.name, live, ctx, { keepLabel: others > 0, handOff: others === 0 && wanted });
  } catch (err) {
    throw new OrphanFailedError(err);
  }
  if (others > 0) return { ref, action: "released", message: `${label}: released with its values kept (${why}; still owned by ${others} other Work(s))` };
  if (wanted) return { ref, action: "released", message: `${label}: released with its values kept (${why}; handed off to another Work that lists it)` };
  batch.orphaned(m, ns);
  return { ref, action: "orphaned", message: `${label}: orphaned (${why}): left on the spoke with its values, no longer this Work's` };
}

async function remove(ref: AppliedRef, label: string, m: ResourceMapping, ns: string | undefined, live: KubeObject, opts: PruneOptions): Promise<PruneResult> {
  const outcome = await opts.target.delete(m, ns, ref.name, { uid: live.metadata?.uid, resourceVersion: live.metadata?.resourceVersion });
  if (outcome === "terminating") return { ref, action: "terminating", message: `${label}: waiting for its finalizers` };
  if (outcome === "absent") return { ref, action: "pruned", message: `${label}: already gone` };
  const r: PruneResult = { ref, action: "pruned", message: `${label}: deleted` };
  deletedNow.add(r);
  return r;
}

function managedBy(live: KubeObject, fieldManager: string): boolean {
  return (live.metadata?.managedFields ?? []).some((f) => (f as { manager?: string }).manager === fieldManager);
}

function failure(ref: AppliedRef, label: string, what: string, err: unknown): PruneResult {
  const error = err instanceof Error ? err : new Error(String(err));
  return { ref, action: "failed", message: `${label}: ${what}: ${error.message}`, error };
}
