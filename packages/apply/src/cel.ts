/**
 * CEL for condition rules: one compiled program per expression text (a
 * bounded LRU), evaluated over `object`, the live object.
 *
 * The library is @bufbuild/cel (docs/design/work-extensions.md says why): it
 * is checked against the CEL conformance suite, its regular expressions are
 * RE2 (linear time, and the syntax Kubernetes' CEL accepts, `(?i)` included),
 * and it returns errors as values. The strings extension is enabled, as in
 * Kubernetes. Not available: Kubernetes' own libraries (quantity, url, ip,
 * lists, sets) and the optional syntax `object.?field`.
 *
 * Numbers: JSON has one number type; Kubernetes reads an integer as a CEL
 * int, so the live object's integers become `int` (bigint) and every other
 * number a `double` before evaluation.
 *
 * Cost: the library has no cost limit. Before running, the agent bounds the
 * work of nested loops (comprehensions: all, exists, exists_one, map,
 * filter): with loops nested d deep over lists or maps of at most n entries
 * (the largest in the object or the expression; with split(), the longest
 * string), an expression may take n^d steps; above MAX_STEPS it is refused
 * (as Kubernetes refuses an expression whose estimated cost is over its
 * limit). Loops one after the other add up; only nesting multiplies.
 */
import { celEnv, celType, isCelError, parse, plan, type CelInput } from "@bufbuild/cel";
import { strings } from "@bufbuild/cel/ext";
import { Lru } from "./lru.js";

export type CelOutcome = { ok: true; value: unknown } | { ok: false; stage: "compile" | "cost" | "run"; message: string };

/** Steps (iterations of nested loops) one expression may take over one object. */
export const MAX_STEPS = 1_000_000;
/** Compiled expressions kept (each Work's rules are a few; the bound is for a stream of new ones). */
export const CEL_CACHE_SIZE = 512;

/** A live object prepared once for all the expressions evaluated over it. */
export interface CelObject {
  readonly input: CelInput;
  /** Entries of the largest list or map in the object. */
  readonly largest: number;
  /** Length of the longest string in the object. */
  readonly longestString: number;
}

interface Program {
  run: (bindings: Record<string, CelInput>) => unknown;
  /** Loops nested this deep. */
  depth: number;
  /** Entries of the largest list or map literal in the expression. */
  literal: number;
  splits: boolean;
}

const env = celEnv({ funcs: strings });
const programs = new Lru<string, Program | { error: string }>(CEL_CACHE_SIZE);

export function celCacheSize(): number {
  return programs.size;
}

/** JSON to CEL input: integers become int (bigint), and the sizes the cost bound needs are measured on the way. */
export function celObject(live: unknown): CelObject {
  let largest = 0;
  let longestString = 0;
  const conv = (v: unknown): unknown => {
    if (typeof v === "number") return Number.isSafeInteger(v) ? BigInt(v) : v;
    if (typeof v === "string") longestString = Math.max(longestString, v.length);
    if (Array.isArray(v)) {
      largest = Math.max(largest, v.length);
      return v.map(conv);
    }
    if (v !== null && typeof v === "object") {
      const entries = Object.entries(v);
      largest = Math.max(largest, entries.length);
      return Object.fromEntries(entries.map(([k, x]) => [k, conv(x)]));
    }
    return v;
  };
  return { input: conv(live) as CelInput, largest, longestString };
}

/** The parsed expression's shape: loop nesting, list literal sizes, split() calls. */
interface Shape {
  depth: number;
  literal: number;
  splits: boolean;
}

function shape(node: unknown): Shape {
  const none: Shape = { depth: 0, literal: 0, splits: false };
  if (node === null || typeof node !== "object") return none;
  const kind = (node as { exprKind?: { case?: string; value?: Record<string, unknown> } }).exprKind;
  const v = kind?.value;
  if (kind === undefined || v === undefined) return none;
  const merge = (xs: Shape[]): Shape => ({ depth: Math.max(0, ...xs.map((x) => x.depth)), literal: Math.max(0, ...xs.map((x) => x.literal)), splits: xs.some((x) => x.splits) });
  switch (kind.case) {
    case "comprehensionExpr": {
      const body = merge([shape(v.loopCondition), shape(v.loopStep)]);
      const rest = merge([shape(v.iterRange), shape(v.accuInit), shape(v.result)]);
      return { depth: Math.max(rest.depth, body.depth + 1), literal: Math.max(rest.literal, body.literal), splits: rest.splits || body.splits };
    }
    case "callExpr": {
      const args = Array.isArray(v.args) ? v.args : [];
      const s = merge([shape(v.target), ...args.map(shape)]);
      return v.function === "split" ? { ...s, splits: true } : s;
    }
    case "selectExpr":
      return shape(v.operand);
    case "listExpr": {
      const elements = Array.isArray(v.elements) ? v.elements : [];
      const s = merge(elements.map(shape));
      return { ...s, literal: Math.max(s.literal, elements.length) };
    }
    case "structExpr": {
      const entries = Array.isArray(v.entries) ? (v.entries as { value?: unknown; keyKind?: { value?: unknown } }[]) : [];
      const s = merge(entries.flatMap((e) => [shape(e.value), shape(e.keyKind?.value)]));
      return { ...s, literal: Math.max(s.literal, entries.length) };
    }
    default:
      return none;
  }
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0] ?? "";
}

function compile(expr: string): Program | { error: string } {
  try {
    const parsed = parse(expr);
    const run = plan(env, parsed);
    return { run: (b) => run(b), ...shape(parsed.expr) };
  } catch (e) {
    return { error: firstLine(e) };
  }
}

/** Compiles (once per text) and evaluates `expr` with `object` bound to the live object. Never throws. */
export function evaluateCel(expr: string, object: CelObject): CelOutcome {
  const p = programs.getOrSet(expr, compile);
  if ("error" in p) return { ok: false, stage: "compile", message: p.error };
  if (p.depth > 0) {
    const n = Math.max(1, object.largest, p.literal, p.splits ? object.longestString : 0);
    const steps = n ** p.depth;
    if (steps > MAX_STEPS) return { ok: false, stage: "cost", message: `loops nested ${p.depth} deep over lists or maps of up to ${n} entries may take ${steps} steps, more than ${MAX_STEPS}` };
  }
  try {
    const value = p.run({ object: object.input });
    return isCelError(value) ? { ok: false, stage: "run", message: firstLine(value) } : { ok: true, value };
  } catch (e) {
    return { ok: false, stage: "run", message: firstLine(e) };
  }
}

/** CEL's name for the type of a value (int, string, list, ...), for messages. */
export function celTypeName(value: unknown): string {
  try {
    return String(celType(value as Parameters<typeof celType>[0]).name);
  } catch {
    return typeof value;
  }
}
