/**
 * `serverSideApply.ignoreFields`: fields left to the managed cluster.
 *
 * - OnSpokePresent: once the object exists, the fields are the spoke's (they
 *   are sent only when the object is created).
 * - OnSpokeChange: once a field manager on the spoke (not a Work) holds the
 *   field, it is the spoke's. A manager holds a field it set; an update by
 *   anyone else that changes the value takes it over, so "someone on the
 *   spoke changed it" is read from the live object's managedFields. An
 *   object that existed before any Work has its fields held by its creator:
 *   they are the spoke's from the start.
 *
 * A field left to the spoke is never written, and never removed. Leaving it
 * out of the apply is not enough: server-side apply removes a field whose
 * only owner stops applying it. So a field this Work is the only holder of
 * is sent with its LIVE value (this Work keeps holding it, the value does not
 * change); a field someone else also holds (or holds alone) is left out of
 * the apply (its other holders keep it). The desired object then matches the
 * live object at those paths, so the in-sync check sends nothing, and the
 * record annotation (a hash of the manifest, computed before this) does not
 * change with the spoke's values: no write per reconcile.
 */
import { IgnoreFieldsCondition, type IgnoreField, type KubeObject } from "@work-api/api";
import { holds } from "../diff.js";
import { deletePath, getPath, parseJsonPath, setPath, type Segment } from "./json-path.js";

export interface IgnoreOptions {
  /** This Work's field manager. */
  fieldManager: string;
  /** True for a manager that is another Work's (those do not count as "changed on the spoke"). */
  isWorkManager: (manager: string) => boolean;
  /** Label and annotation keys the agent sets itself: never left to the spoke. */
  agentLabels?: readonly string[];
  agentAnnotations?: readonly string[];
}

export interface ParsedIgnoreField {
  condition: IgnoreField["condition"];
  path: string;
  segments: Segment[];
}

/** Parses every path (throws a JsonPathError for the first it cannot read). */
export function parseIgnoreFields(rules: readonly IgnoreField[] | undefined): ParsedIgnoreField[] {
  return (rules ?? []).flatMap((r) => r.jsonPaths.map((path) => ({ condition: r.condition, path, segments: parseJsonPath(path) })));
}

interface ManagedFieldsEntry {
  manager?: string;
  fieldsV1?: Record<string, unknown>;
}

const WORK_ID = /-([0-9a-f]{10})$/;

/** The same Work's manager (also under an older --field-manager base: the Work id is the same). */
export function sameWork(manager: string, fieldManager: string): boolean {
  if (manager === fieldManager) return true;
  const id = WORK_ID.exec(fieldManager)?.[1];
  return id !== undefined && WORK_ID.exec(manager)?.[1] === id;
}

/** The managers whose field sets hold `path` of `live`. */
function holdersOf(live: KubeObject, path: readonly Segment[]): string[] {
  const entries = (live.metadata?.managedFields ?? []) as ManagedFieldsEntry[];
  return entries.filter((e) => e.fieldsV1 && Object.keys(e.fieldsV1).length > 0 && holds(e.fieldsV1, path, live)).map((e) => e.manager ?? "");
}

/**
 * `desired` with the fields left to the spoke resolved against `live` (a copy; `desired` is not
 * changed), and the paths left. Without a live object nothing is left: the object is created whole.
 */
export function leaveToSpoke(desired: KubeObject, live: KubeObject | undefined, rules: readonly ParsedIgnoreField[], o: IgnoreOptions): { desired: KubeObject; left: string[] } {
  if (!live || rules.length === 0) return { desired, left: [] };
  const out = structuredClone(desired) as KubeObject & Record<string, unknown>;
  const left: string[] = [];
  for (const rule of rules) {
    const holders = holdersOf(live, rule.segments);
    const others = holders.filter((m) => !sameWork(m, o.fieldManager));
    if (rule.condition === IgnoreFieldsCondition.OnSpokeChange && !others.some((m) => !o.isWorkManager(m))) continue;
    left.push(rule.path);
    const have = getPath(live, rule.segments);
    const soleHolder = others.length === 0 && holders.length > 0;
    const last = rule.segments[rule.segments.length - 1]!;
    // A list element cannot be left out of a list: it keeps its live value.
    if (have.found && (soleHolder || "index" in last)) setPath(out, rule.segments, have.value);
    else deletePath(out, rule.segments);
  }
  restoreAgentMetadata(out, desired, o);
  return { desired: out, left };
}

/** The ownerReferences, labels and annotations the agent itself puts on the object stay as built. */
function restoreAgentMetadata(out: KubeObject, desired: KubeObject, o: IgnoreOptions): void {
  const meta = (out.metadata ??= {});
  const want = desired.metadata ?? {};
  if (want.ownerReferences) meta.ownerReferences = structuredClone(want.ownerReferences);
  for (const [field, keys] of [["labels", o.agentLabels ?? []], ["annotations", o.agentAnnotations ?? []]] as const) {
    for (const k of keys) {
      const v = want[field]?.[k];
      if (v !== undefined) meta[field] = { ...(meta[field] ?? {}), [k]: v };
    }
  }
}
