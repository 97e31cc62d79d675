/**
 * Status feedback (spec.manifestConfigs[].feedbackRules): named values read
 * from the live object's `.status`, typed as the Work's
 * statusFeedback.values[] are (Integer, String, Boolean, JsonRaw). Pure.
 *
 * - WellKnownStatus: a documented set of paths per kind (WELL_KNOWN below).
 * - JSONPaths: the rule's paths, relative to `.status` as in OCM
 *   (`.readyReplicas`, `.conditions[?(@.type=="Ready")].status`), evaluated
 *   with jsonpath-rfc9535 (RFC 9535: a strict parser, so a typo is an error
 *   and not a silent match of everything; no code evaluation). The regular
 *   expression functions `match()` and `search()` are refused: JavaScript's
 *   backtracking engine would let one path stall the agent.
 *
 * Values: none matched, or null, is absent, not an error (as OCM: Kubernetes
 * omits zero counts, so a missing readyReplicas means none are ready). One
 * match is typed by its JSON type (a safe integer is Integer; an object, a
 * list or a non-integer number is JsonRaw); several matches are one JsonRaw
 * list. A String or JsonRaw longer than the bounds is a failure naming the
 * value, never a truncated value. Failures do not stop the other paths.
 */
import { StatusBounds, type FeedbackRule, type FeedbackValue, type FieldValue, type JsonPathRule, type KubeObject } from "@work-api/api";
import { query, type JsonValue } from "jsonpath-rfc9535";
import parseJsonPath from "jsonpath-rfc9535/parser";
import { Lru } from "./lru.js";

/** The manifest condition that says whether every feedback value was read, and its reasons. */
export const FeedbackCondition = {
  type: "StatusFeedbackSynced",
  synced: "StatusFeedbackSynced",
  failed: "StatusFeedbackFailed",
  /** No live object to read (not applied yet, or absent for ReadOnly). */
  noObject: "ObjectNotFound",
} as const;

export interface FeedbackRead {
  /** In rule order, then path order; at most StatusBounds.maxFeedbackValues. */
  values: FeedbackValue[];
  /** One line per value or rule that could not be read, naming it. */
  failures: string[];
}

const count = (...names: string[]): JsonPathRule[] => names.map((name) => ({ name, path: `.${name}` }));
const conditionStatus = (name: string, type: string): JsonPathRule => ({ name, path: `.conditions[?(@.type=="${type}")].status` });

/** WellKnownStatus: per `group/Kind`, the values reported (names are the status field names). */
const WELL_KNOWN: Readonly<Record<string, readonly JsonPathRule[]>> = {
  "apps/Deployment": count("replicas", "readyReplicas", "availableReplicas", "updatedReplicas"),
  "apps/StatefulSet": count("replicas", "readyReplicas", "currentReplicas", "updatedReplicas", "availableReplicas"),
  "apps/DaemonSet": count("desiredNumberScheduled", "currentNumberScheduled", "numberReady", "numberAvailable", "updatedNumberScheduled"),
  "apps/ReplicaSet": count("replicas", "readyReplicas", "availableReplicas"),
  "batch/Job": [...count("active", "succeeded", "failed"), conditionStatus("complete", "Complete")],
  "batch/CronJob": count("lastScheduleTime", "lastSuccessfulTime"),
  "/Pod": [{ name: "phase", path: ".phase" }, conditionStatus("ready", "Ready")],
  "/PersistentVolumeClaim": [{ name: "phase", path: ".phase" }],
};

/** The WellKnownStatus paths of a kind, or undefined when it has none. */
export function wellKnownStatus(group: string, kind: string): readonly JsonPathRule[] | undefined {
  return WELL_KNOWN[`${group}/${kind}`];
}

type Compiled = { query: string } | { error: string };
const compiled = new Lru<string, Compiled>(1024);
const REGEX_FUNCTIONS = new Set(["match", "search"]);

function usesRegex(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(usesRegex);
  if (node === null || typeof node !== "object") return false;
  const n = node as { type?: unknown; name?: unknown };
  if (n.type === "FunctionExpr" && typeof n.name === "string" && REGEX_FUNCTIONS.has(n.name)) return true;
  return Object.values(node).some(usesRegex);
}

/** The parser's (peggy's) error, short: where, and what it found; its list of expected characters is left out. */
function syntaxError(e: unknown): string {
  const p = e as { found?: unknown; location?: { start?: { offset?: unknown } } };
  const at = p.location?.start?.offset;
  if (typeof at !== "number") return e instanceof Error ? e.message.split("\n")[0]! : String(e);
  // The offset counts the "$" put in front of the path.
  return typeof p.found === "string" ? `unexpected ${JSON.stringify(p.found)} at character ${at}` : `it ends too early (after character ${at - 1})`;
}

function compile(path: string): Compiled {
  if (!path.startsWith(".") && !path.startsWith("[")) return { error: "the path must start with '.' or '[' (it is relative to .status)" };
  const q = `$${path}`;
  try {
    if (usesRegex(parseJsonPath(q))) return { error: "the functions match() and search() are not allowed" };
  } catch (e) {
    return { error: `the path does not parse: ${syntaxError(e)}` };
  }
  return { query: q };
}

type Typed = { value?: FieldValue; error?: string };

function typed(matches: readonly JsonValue[]): Typed {
  if (matches.length === 0) return {};
  const v = matches.length === 1 ? matches[0] : matches;
  if (v === null || v === undefined) return {};
  if (typeof v === "boolean") return { value: { type: "Boolean", boolean: v } };
  if (typeof v === "number" && Number.isSafeInteger(v)) return { value: { type: "Integer", integer: v } };
  if (typeof v === "string") {
    const n = Buffer.byteLength(v);
    return n > StatusBounds.maxJsonRawBytes ? { error: `the string is ${n} bytes, more than ${StatusBounds.maxJsonRawBytes}` } : { value: { type: "String", string: v } };
  }
  const raw = JSON.stringify(v);
  const n = Buffer.byteLength(raw);
  return n > StatusBounds.maxJsonRawBytes ? { error: `the value is ${n} bytes of JSON, more than ${StatusBounds.maxJsonRawBytes}` } : { value: { type: "JsonRaw", jsonRaw: raw } };
}

function read(status: JsonValue, p: JsonPathRule): Typed {
  const c = compiled.getOrSet(p.path, compile);
  if ("error" in c) return { error: c.error };
  try {
    return typed(query(status, c.query));
  } catch (e) {
    return { error: `the path failed: ${e instanceof Error ? e.message : String(e)}` };
  }
}

function statusOf(live: KubeObject): JsonValue {
  const s = live.status;
  return s !== null && typeof s === "object" ? (s as JsonValue) : {};
}

/** Reads every rule's values from the live object (see the module comment for the rules). */
export function readFeedback(rules: readonly FeedbackRule[], group: string, kind: string, live: KubeObject): FeedbackRead {
  const status = statusOf(live);
  const values: FeedbackValue[] = [];
  const failures: string[] = [];
  const names = new Set<string>();
  let leftOut = 0;
  for (const rule of rules) {
    const list = rule.type === "WellKnownStatus" ? wellKnownStatus(group, kind) : (rule.jsonPaths ?? []);
    if (list === undefined) {
      failures.push(`WellKnownStatus: no well-known status values for kind ${kind} (${group === "" ? "core group" : `group ${group}`}); use JSONPaths`);
      continue;
    }
    for (const p of list) {
      if (names.has(p.name)) {
        failures.push(`${p.name} (${p.path}): the name is already used by another feedback value`);
        continue;
      }
      names.add(p.name);
      const t = read(status, p);
      if (t.error !== undefined) failures.push(`${p.name} (${p.path}): ${t.error}`);
      else if (t.value === undefined) continue;
      else if (values.length >= StatusBounds.maxFeedbackValues) leftOut++;
      else values.push({ name: p.name, fieldValue: t.value });
    }
  }
  if (leftOut > 0) failures.push(`${leftOut} more values were left out: at most ${StatusBounds.maxFeedbackValues} are reported per manifest`);
  return { values, failures };
}
