/**
 * `kubectl work get`: Works at a glance, one row each: the statuses of the
 * Work's conditions, how many manifests are applied, and the first failing
 * manifest (`ordinal kind/name: reason`). `-o wide` adds Progressing and the
 * generation and lists every failing manifest in full; `-o json|yaml` print
 * {@link WorkListView}.
 */
import type { Work } from "@work-api/api";
import { age } from "./age.js";
import { statusTone, workStatusView, type ManifestView } from "./status.js";
import { renderTable, sanitize, truncate, type Cell } from "./text.js";

/** A manifest whose Applied is False or whose Degraded is True. */
export interface FailingManifest {
  ordinal: number;
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  /** The condition that makes it fail: "Applied" (False) or "Degraded" (True). */
  condition: "Applied" | "Degraded";
  reason: string;
  message: string;
}

/** One Work as `kubectl work get -o json` prints it. Keys are always present, in this order. */
export interface WorkRow {
  namespace: string;
  name: string;
  generation: number | null;
  /** The oldest generation a Work condition was computed for (null: none says). */
  observedGeneration: number | null;
  /** Statuses of the Work's conditions; null when not reported. */
  applied: string | null;
  available: string | null;
  degraded: string | null;
  progressing: string | null;
  /** Types of the conditions above computed for an older generation than the Work's: the agent has not caught up yet. */
  staleConditions: string[];
  /** The manifests of spec.workload.manifests: how many, and how many Applied=True, failing, and not reported on yet. */
  manifests: { total: number; applied: number; failed: number; pending: number };
  /** Every failing manifest, in ordinal order. */
  failing: FailingManifest[];
  creationTimestamp: string | null;
  deletionTimestamp: string | null;
}

/** What `kubectl work get -o json|yaml` prints. */
export interface WorkListView {
  items: WorkRow[];
}

const SUMMARY = ["Applied", "Available", "Degraded", "Progressing"] as const;

function failingCondition(m: ManifestView): FailingManifest | undefined {
  const applied = m.conditions.find((c) => c.type === "Applied");
  const degraded = m.conditions.find((c) => c.type === "Degraded");
  const c = applied?.status === "False" ? applied : degraded?.status === "True" ? degraded : undefined;
  if (c === undefined) return undefined;
  const id = m.identifier;
  return {
    ordinal: id.ordinal,
    group: id.group,
    version: id.version,
    kind: id.kind !== "" ? id.kind : id.resource,
    namespace: id.namespace,
    name: id.name,
    condition: c.type as "Applied" | "Degraded",
    reason: c.reason,
    message: c.message,
  };
}

/** The row of one Work. */
export function workRow(work: Work): WorkRow {
  const v = workStatusView(work);
  const generation = v.work.generation;
  const status = (type: string): string | null => v.conditions.find((c) => c.type === type)?.status ?? null;
  const stale = SUMMARY.filter((type) => {
    const c = v.conditions.find((x) => x.type === type);
    return c !== undefined && c.observedGeneration !== null && generation !== null && c.observedGeneration < generation;
  });
  const inSpec = v.manifests.filter((m) => m.inSpec);
  const failing = inSpec.map(failingCondition).filter((f): f is FailingManifest => f !== undefined);
  return {
    namespace: v.work.namespace,
    name: v.work.name,
    generation,
    observedGeneration: v.work.observedGeneration,
    applied: status("Applied"),
    available: status("Available"),
    degraded: status("Degraded"),
    progressing: status("Progressing"),
    staleConditions: stale,
    manifests: {
      total: inSpec.length,
      applied: inSpec.filter((m) => m.conditions.find((c) => c.type === "Applied")?.status === "True").length,
      failed: failing.length,
      pending: inSpec.filter((m) => m.pending).length,
    },
    failing,
    creationTimestamp: v.work.creationTimestamp,
    deletionTimestamp: v.work.deletionTimestamp,
  };
}

/** Rows of many Works, by namespace, then name. */
export function workListView(works: readonly Work[]): WorkListView {
  const items = works.map(workRow).sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  return { items };
}

// ------------------------------------------------------------------ text

/** Width of the FAILING column (without -o wide): longer text is cut with an ellipsis. */
export const FAILING_WIDTH = 60;

/** `ordinal kind/name: reason` of a failing manifest, on one line. */
export function failingText(f: FailingManifest): string {
  const kind = f.kind !== "" ? f.kind : "<unknown kind>";
  const name = f.name !== "" ? f.name : "<unnamed>";
  const why = f.reason !== "" ? f.reason : `${f.condition}=${f.condition === "Applied" ? "False" : "True"}`;
  return sanitize(`${f.ordinal} ${kind}/${name}: ${why}`).replace(/\n/g, " ");
}

/** The FAILING cell: the first failing manifest and how many more, cut to `width` (0: all of them, in full). */
export function failingCell(failing: readonly FailingManifest[], width: number): string {
  if (failing.length === 0) return "-";
  if (width <= 0) return failing.map(failingText).join(", ");
  const more = failing.length > 1 ? ` (+${failing.length - 1} more)` : "";
  return truncate(failingText(failing[0]!), Math.max(10, width - more.length)) + more;
}

export interface GetTextOptions {
  now: number;
  color: boolean;
  /** With a NAMESPACE column (-A). */
  allNamespaces: boolean;
  /** -o wide: PROGRESSING and GENERATION columns, every failing manifest in full. */
  wide: boolean;
}

/** Marks a status computed for an older generation. */
export const STALE_MARK = "*";

function conditionCell(row: WorkRow, type: (typeof SUMMARY)[number], status: string | null): Cell {
  if (status === null) return { text: "-", tone: "dim" };
  if (row.staleConditions.includes(type)) return { text: status + STALE_MARK, tone: "warn" };
  return { text: status, tone: statusTone(type, status) };
}

function generationText(row: WorkRow): string {
  if (row.generation === null) return "-";
  if (row.observedGeneration !== null && row.observedGeneration < row.generation) return `${row.generation} (status: ${row.observedGeneration})`;
  return String(row.generation);
}

/** The table of `kubectl work get`, ending with a newline. */
export function renderGetText(v: WorkListView, o: GetTextOptions): string {
  const headers = [
    ...(o.allNamespaces ? ["NAMESPACE"] : []),
    "NAME",
    "APPLIED",
    "AVAILABLE",
    "DEGRADED",
    "MANIFESTS",
    "FAILING",
    "AGE",
    ...(o.wide ? ["PROGRESSING", "GENERATION"] : []),
  ];
  const rows: Cell[][] = v.items.map((r) => [
    ...(o.allNamespaces ? [r.namespace] : []),
    r.name,
    conditionCell(r, "Applied", r.applied),
    conditionCell(r, "Available", r.available),
    conditionCell(r, "Degraded", r.degraded),
    { text: `${r.manifests.applied}/${r.manifests.total} applied`, tone: r.manifests.failed > 0 ? "bad" : undefined },
    { text: failingCell(r.failing, o.wide ? 0 : FAILING_WIDTH), tone: r.failing.length > 0 ? "bad" : "dim" },
    r.deletionTimestamp !== null ? { text: `${age(r.creationTimestamp ?? undefined, o.now)} (deleting)`, tone: "warn" } : age(r.creationTimestamp ?? undefined, o.now),
    ...(o.wide ? [conditionCell(r, "Progressing", r.progressing), generationText(r)] : []),
  ]);
  return renderTable(headers, rows, { color: o.color }).join("\n") + "\n";
}

/** True when some row shows a status computed for an older generation (marked {@link STALE_MARK}). */
export function hasStale(v: WorkListView): boolean {
  return v.items.some((r) => r.staleConditions.length > 0);
}
