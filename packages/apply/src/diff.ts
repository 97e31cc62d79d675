/**
 * Field-level differences between what a manifest sets and the live object,
 * with the field manager that holds each differing value: the substance of
 * driftDetails (drift the agent reverted), diffDetails (ReportDiff) and the
 * paths a NotTakenOver condition names.
 *
 * Only what the manifest sets is compared, as server-side apply owns it: a
 * field the manifest does not set is never a difference, whoever added it.
 * Status, server-owned metadata, ownerReferences and this agent's record
 * annotations are skipped. Lists of equal length are compared element by
 * element (`.spec.containers[0].image`); a list whose length differs is one
 * difference at the list's path.
 *
 * Who changed a value is read from the live object's managedFields (fieldsV1):
 * the manager whose set holds the path (an associative list element by its
 * key, `k:{"name":"app"}`, a set element by value, `v:...`, else by index).
 * A value removed on the spoke is held by no one any more; it is attributed
 * to the manager of the most recent Update operation (other than `self`),
 * which is the best the API server's record allows.
 *
 * Hand-written: no maintained library walks a desired object, a live object
 * and fieldsV1 together; the structured-merge-diff rules it follows are
 * small (sigs.k8s.io/structured-merge-diff, fieldpath serialisation).
 */
import { StatusBounds, type ObservedDrift } from "@work-api/api";
import { APPLIED_ANNOTATION_PREFIX, SERVER_OWNED_METADATA } from "./desired.js";

export interface DiffOptions {
  /** This Work's field manager: never named as the one who drifted (no manager is named then). */
  self?: string;
  /** At most this many differences (default StatusBounds.maxObservedDrifts). */
  limit?: number;
}

type Json = unknown;
type Segment = { key: string } | { index: number };

/** Not compared as values: what the server owns and the identity; owner references are compared by uid (as compare.ts does). */
const SKIPPED_METADATA = new Set([...SERVER_OWNED_METADATA, "ownerReferences", "namespace", "name"]);

/** The differences, in document order, at most `limit` of them. */
export function objectDifferences(desired: Record<string, Json>, live: Record<string, Json> | undefined, opts: DiffOptions = {}): ObservedDrift[] {
  const limit = opts.limit ?? StatusBounds.maxObservedDrifts;
  const found: { path: Segment[]; want: Json; have: Json; present: boolean }[] = [];
  const visit = (want: Json, have: Json, present: boolean, path: Segment[]): void => {
    if (found.length >= limit) return;
    if (isObject(want)) {
      if (!present || !isObject(have)) return void found.push({ path, want, have, present });
      for (const [k, v] of Object.entries(want)) visit(v, have[k], k in have, [...path, { key: k }]);
      return;
    }
    if (Array.isArray(want)) {
      if (!present || !Array.isArray(have) || have.length !== want.length) return void found.push({ path, want, have, present });
      want.forEach((v, i) => visit(v, have[i], true, [...path, { index: i }]));
      return;
    }
    // A null the manifest sets is in sync with a missing field (as compare.ts's isSubset says).
    if (want === null ? present && have !== null : !present || want !== have) found.push({ path, want, have, present });
  };
  for (const [k, v] of Object.entries(desired)) {
    if (k === "status" || k === "apiVersion" || k === "kind") continue;
    if (k === "metadata" && isObject(v)) {
      const lm = isObject(live?.metadata) ? live.metadata : {};
      for (const [mk, mv] of Object.entries(v)) {
        if (mk === "ownerReferences") {
          const missing = missingOwners(mv, lm[mk]);
          if (missing.length > 0 && found.length < limit) found.push({ path: [{ key: "metadata" }, { key: mk }], want: missing, have: lm[mk], present: mk in lm });
          continue;
        }
        if (SKIPPED_METADATA.has(mk)) continue;
        const want = mk === "annotations" && isObject(mv) ? withoutRecords(mv) : mv;
        // Annotations that were only this agent's records: nothing of the manifest's own to compare.
        if (want !== mv && isObject(want) && Object.keys(want).length === 0) continue;
        visit(want, lm[mk], mk in lm, [{ key: "metadata" }, { key: mk }]);
      }
      continue;
    }
    visit(v, live?.[k], live !== undefined && k in live, [{ key: k }]);
  }
  const fields = isObject(live?.metadata) ? live.metadata.managedFields : undefined;
  const managers = Array.isArray(fields) ? (fields.filter(isObject) as ManagedFieldsEntry[]) : [];
  return found.map((d) => {
    const manager = d.present ? holderOf(managers, d.path, live, opts.self) : lastUpdater(managers, opts.self);
    return {
      path: formatPath(d.path),
      ...(d.present ? { valueInMember: bounded(d.have) } : {}),
      valueInHub: bounded(d.want),
      ...(manager ? { fieldManager: manager } : {}),
    };
  });
}

interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  time?: string;
  fieldsV1?: Record<string, Json>;
  subresource?: string;
}

/** The owner references the manifest names (by uid) that the live list lacks. */
function missingOwners(want: Json, have: Json): Json[] {
  const uids = new Set((Array.isArray(have) ? have : []).map((o) => (isObject(o) ? o.uid : undefined)));
  return (Array.isArray(want) ? want : []).filter((o) => isObject(o) && !uids.has(o.uid));
}

function isObject(v: Json): v is Record<string, Json> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function withoutRecords(annotations: Record<string, Json>): Record<string, Json> {
  return Object.fromEntries(Object.entries(annotations).filter(([k]) => !k.startsWith(APPLIED_ANNOTATION_PREFIX)));
}

const SIMPLE_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `.spec.containers[0].image`, `.metadata.labels['app.kubernetes.io/name']`. */
export function formatPath(path: readonly Segment[]): string {
  if (path.length === 0) return ".";
  return path.map((s) => ("index" in s ? `[${s.index}]` : SIMPLE_KEY.test(s.key) ? `.${s.key}` : `['${s.key.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}']`)).join("");
}

/** JSON of a value, cut to StatusBounds.maxDriftValueBytes (marked with "…" when cut). */
export function bounded(v: Json): string {
  const s = JSON.stringify(v) ?? "null";
  const max = StatusBounds.maxDriftValueBytes;
  if (Buffer.byteLength(s) <= max) return s;
  let cut = s.slice(0, max - 3);
  while (Buffer.byteLength(cut) > max - 3) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/**
 * The manager other than `self` whose field set holds the path. Subresource entries count
 * (`kubectl scale` holds .spec.replicas through "scale"), except status, which is never compared.
 */
function holderOf(entries: readonly ManagedFieldsEntry[], path: readonly Segment[], live: Record<string, Json> | undefined, self: string | undefined): string | undefined {
  return entries.find((e) => e.subresource !== "status" && e.manager !== self && isObject(e.fieldsV1) && holds(e.fieldsV1, path, live))?.manager;
}

/** The manager of the latest Update operation other than `self` (who most likely removed a value). */
function lastUpdater(entries: readonly ManagedFieldsEntry[], self: string | undefined): string | undefined {
  let best: ManagedFieldsEntry | undefined;
  for (const e of entries) {
    if (e.operation !== "Update" || e.subresource === "status" || e.manager === self) continue;
    if (!best || (e.time ?? "") > (best.time ?? "")) best = e;
  }
  return best?.manager;
}

/**
 * True when a fieldsV1 set holds `path`, or a leaf above it (an empty node: the manager owns
 * the whole value, an atomic list or map). `"."` only means the node itself is owned, not
 * what is inside it; an empty set owns nothing.
 */
export function holds(set: Record<string, Json>, path: readonly Segment[], live: Json): boolean {
  let node: Json = set;
  let value: Json = live;
  for (const [depth, seg] of path.entries()) {
    if (!isObject(node)) return false;
    if (Object.keys(node).length === 0) return depth > 0;
    let next: Json;
    if ("key" in seg) {
      next = node[`f:${seg.key}`];
      value = isObject(value) ? value[seg.key] : undefined;
    } else {
      const element: Json = Array.isArray(value) ? value[seg.index] : undefined;
      next = node[`i:${seg.index}`] ?? node[`v:${JSON.stringify(element)}`] ?? keyedElement(node, element);
      value = element;
    }
    if (next === undefined) return false;
    node = next;
  }
  return true;
}

/** The `k:{...}` entry whose key fields all equal the element's. */
function keyedElement(node: Record<string, Json>, element: Json): Json {
  if (!isObject(element)) return undefined;
  for (const [k, v] of Object.entries(node)) {
    if (!k.startsWith("k:")) continue;
    let key: Json;
    try {
      key = JSON.parse(k.slice(2));
    } catch {
      continue;
    }
    if (isObject(key) && Object.entries(key).every(([kk, kv]) => JSON.stringify(element[kk]) === JSON.stringify(kv))) return v;
  }
  return undefined;
}
