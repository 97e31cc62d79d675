/**
 * Letting go of objects a Work no longer lists (or of all of them when the
 * Work is deleted), in the reverse of apply order. Each object is read from
 * the API server first:
 *
 * - gone, or re-created under the same name (another uid, without this
 *   Work's ownerReference): nothing to do;
 * - still listed by another Work (another AppliedWork owner), or a Namespace
 *   another Work still has objects in, or never written by this Work:
 *   released: a server-side apply of an empty object with this Work's field
 *   manager removes exactly this Work's fields, labels and ownerReference,
 *   with the live uid and resourceVersion as preconditions;
 * - otherwise deleted with uid and resourceVersion preconditions, so an
 *   object another Work just took over is never deleted.
 *
 * The kind is resolved through discovery by group and kind (again when the
 * API server says the resource is not served), so an object applied under a
 * version the server no longer serves is still found. `Target.read` must
 * throw a 404 for a missing resource and return undefined for a missing
 * object.
 */
import type { KubeObject } from "@work-api/api";
import { httpStatus, missingOf } from "./failure.js";
import { describeManifest } from "./manifest.js";
import { sortForPrune } from "./order.js";
import { otherOwners, ownedBy } from "./ownership.js";
import type { AppliedRef, Mapper, PruneResult, ResourceMapping, Target } from "./types.js";
import { isNoKindMatch } from "./bundle.js";

export interface PruneOptions {
  target: Target;
  mapper: Mapper;
  /** The Work's field manager: its fields are what a release removes. */
  fieldManager: string;
  /** uid of the Work's AppliedWork. */
  ownerUid: string;
  /** True when a Work other than this one still has objects in namespace `name` (the Namespace is then released, not deleted). */
  namespaceInUse?: (name: string) => Promise<boolean>;
  /** Attempts when the object changes under a precondition. Default 3. */
  attempts?: number;
}

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
  for (const ref of sortForPrune(refs)) out.push(await letGo(ref, opts));
  return out;
}

/** The object an empty apply sends: identity and preconditions only. */
function releaseBody(m: ResourceMapping, live: KubeObject): KubeObject {
  return {
    apiVersion: m.group === "" ? m.version : `${m.group}/${m.version}`,
    kind: m.kind,
    metadata: {
      name: live.metadata!.name!,
      ...(m.namespaced ? { namespace: live.metadata?.namespace } : {}),
      uid: live.metadata?.uid,
      resourceVersion: live.metadata?.resourceVersion,
    },
  };
}

async function letGo(ref: AppliedRef, opts: PruneOptions): Promise<PruneResult> {
  const label = describeManifest(ref.ordinal, ref.kind, ref.namespace, ref.name);
  let m: ResourceMapping;
  try {
    m = await opts.mapper.resolveGroupKind(ref.group, ref.kind);
  } catch (err) {
    if (isNoKindMatch(err)) return { ref, action: "pruned", message: `${label}: its kind is no longer served; nothing left to delete` };
    return failure(ref, label, "delete failed", err);
  }
  for (let attempt = 1; ; attempt++) {
    // An entry whose scope does not fit its kind came from a manifest that could never be applied.
    if (m.namespaced !== Boolean(ref.namespace)) return { ref, action: "pruned", message: `${label}: never applied (namespace does not fit the kind's scope)` };
    const ns = m.namespaced ? ref.namespace : undefined;
    try {
      const live = await opts.target.read(m, ns, ref.name);
      if (!live) return { ref, action: "pruned", message: `${label}: already gone` };
      const mine = ownedBy(live, opts.ownerUid);
      if (!mine && ref.uid && live.metadata?.uid !== ref.uid) {
        return { ref, action: "pruned", message: `${label}: replaced by another object; left alone` };
      }
      const others = otherOwners(live, opts.ownerUid);
      const inUse = ref.kind === "Namespace" && ref.group === "" && (await opts.namespaceInUse?.(ref.name)) === true;
      if (!mine && !managedBy(live, opts.fieldManager)) return { ref, action: "released", message: `${label}: never written by this Work; left alone` };
      if (!mine || others.length > 0 || inUse) {
        const res = await opts.target.apply(m, releaseBody(m, live), { fieldManager: opts.fieldManager, force: false });
        // Whoever releases last deletes: the other owners let go meanwhile, so this Work was the last one.
        if (mine && !inUse && otherOwners(res.object, opts.ownerUid).length === 0) return await remove(ref, label, m, ns, res.object, opts);
        const why = !mine ? "not this Work's to delete" : inUse ? "another Work still has objects in it" : `still listed by ${others.length} other Work(s)`;
        return { ref, action: "released", message: `${label}: released (${why})` };
      }
      return await remove(ref, label, m, ns, live, opts);
    } catch (err) {
      // 403 for an entry never recorded as applied (no uid): this agent could not have written it either.
      if (httpStatus(err) === 403 && !ref.uid) return { ref, action: "pruned", message: `${label}: never applied (the agent may not read it); left alone` };
      // 409: the object changed under the precondition (another Work took it, someone edited it): decide again.
      if (httpStatus(err) === 409 && attempt < (opts.attempts ?? 3)) continue;
      // 404 for the resource itself: discovery is stale (say, the version was just unserved); resolve again.
      if (httpStatus(err) === 404 && missingOf(err) === "kind" && attempt < (opts.attempts ?? 3)) {
        opts.mapper.invalidate();
        try {
          m = await opts.mapper.resolveGroupKind(ref.group, ref.kind);
        } catch (e) {
          if (isNoKindMatch(e)) return { ref, action: "pruned", message: `${label}: its kind is no longer served; nothing left to delete` };
          return failure(ref, label, "delete failed", e);
        }
        continue;
      }
      return failure(ref, label, "delete failed", err);
    }
  }
}

async function remove(ref: AppliedRef, label: string, m: ResourceMapping, ns: string | undefined, live: KubeObject, opts: PruneOptions): Promise<PruneResult> {
  const outcome = await opts.target.delete(m, ns, ref.name, { uid: live.metadata?.uid, resourceVersion: live.metadata?.resourceVersion });
  if (outcome === "terminating") return { ref, action: "terminating", message: `${label}: waiting for its finalizers` };
  return { ref, action: "pruned", message: outcome === "absent" ? `${label}: already gone` : `${label}: deleted` };
}

function managedBy(live: KubeObject, fieldManager: string): boolean {
  return (live.metadata?.managedFields ?? []).some((f) => (f as { manager?: string }).manager === fieldManager);
}

function failure(ref: AppliedRef, label: string, what: string, err: unknown): PruneResult {
  const error = err instanceof Error ? err : new Error(String(err));
  return { ref, action: "failed", message: `${label}: ${what}: ${error.message}`, error };
}
