/**
 * `kubectl work status`: a Work as a stable, machine-readable view (what
 * `-o json|yaml` prints) and as terminal text: a header, the Work's
 * conditions as a table, and a tree of its manifests in ordinal order with
 * each manifest's conditions and status feedback beneath it.
 */
import type { Condition, DeleteOption, KubeObject, ManifestCondition, ManifestConfig, ResourceIdentifier, Work } from "@work-api/api";
import { age } from "./age.js";
import { driftTexts } from "./status-drift.js";
import { layoutRows, paint, renderTable, sanitize, truncate, type Cell, type Tone } from "./text.js";

/** A condition with every field present (null when the API object lacks it). */
export interface ConditionView {
  type: string;
  status: string;
  reason: string;
  message: string;
  lastTransitionTime: string | null;
  observedGeneration: number | null;
}

/** A ResourceIdentifier with every field present ("" when unknown). */
export interface IdentifierView {
  ordinal: number;
  group: string;
  version: string;
  kind: string;
  resource: string;
  namespace: string;
  name: string;
}

export interface ManifestView {
  identifier: IdentifierView;
  /** False for a status entry whose ordinal is past the end of spec.workload.manifests (left from an older spec). */
  inSpec: boolean;
  /** True while the agent has reported no condition for the manifest. */
  pending: boolean;
  conditions: ConditionView[];
  /** The manifest's `statusFeedback` as the API holds it, when the Work carries one (an extension). */
  statusFeedback: unknown;
  /** The manifest's `driftDetails` (drift the agent reverted) as the API holds it; null when absent. */
  driftDetails: unknown;
  /** The manifest's `diffDetails` (a ReportDiff manifest's differences) as the API holds it; null when absent. */
  diffDetails: unknown;
  /** The updateStrategy of the spec.manifestConfigs item that names the manifest (defaults filled in); null when none does. */
  updateStrategy: UpdateStrategyView | null;
}

/** A manifest's `spec.manifestConfigs[].updateStrategy`, with its defaults. */
export interface UpdateStrategyView {
  type: string;
  /** Only for ServerSideApply (default Always). */
  takeOver: string | null;
  /** serverSideApply.force; null when absent (the agent's --force-conflicts decides). */
  force: boolean | null;
  ignoreFields: { condition: string; jsonPaths: string[] }[];
}

export interface WorkView {
  name: string;
  namespace: string;
  uid: string | null;
  generation: number | null;
  /** The oldest generation any Work condition was computed for; behind `generation` while the agent catches up. */
  observedGeneration: number | null;
  creationTimestamp: string | null;
  deletionTimestamp: string | null;
  /** Number of manifests in spec.workload.manifests. */
  manifestCount: number;
  /** spec.deleteOption as written; null when absent (Foreground). */
  deleteOption: DeleteOption | null;
}

/** What `kubectl work status -o json` prints. Keys are always present, in this order. */
export interface WorkStatusView {
  work: WorkView;
  conditions: ConditionView[];
  manifests: ManifestView[];
}

/** The KEP's condition types first, in this order; any other type after them, as found. */
const TYPE_ORDER = ["Applied", "Progressing", "Available", "Degraded"];

function typeRank(type: string): number {
  const i = TYPE_ORDER.indexOf(type);
  return i < 0 ? TYPE_ORDER.length : i;
}

function conditionViews(list: readonly Condition[] | undefined): ConditionView[] {
  const views = (list ?? []).map(
    (c): ConditionView => ({
      type: String(c.type ?? ""),
      status: String(c.status ?? ""),
      reason: String(c.reason ?? ""),
      message: String(c.message ?? ""),
      lastTransitionTime: c.lastTransitionTime ?? null,
      observedGeneration: typeof c.observedGeneration === "number" ? c.observedGeneration : null,
    }),
  );
  // Array.prototype.sort is stable: unknown types keep their order.
  return views.sort((a, b) => typeRank(a.type) - typeRank(b.type));
}

/** What the spec says a manifest is (apiVersion, kind, namespace, name). */
function identifierFromSpec(ordinal: number, m: KubeObject | undefined): IdentifierView {
  const apiVersion = typeof m?.apiVersion === "string" ? m.apiVersion : "";
  const slash = apiVersion.lastIndexOf("/");
  const meta = m?.metadata;
  return {
    ordinal,
    group: slash >= 0 ? apiVersion.slice(0, slash) : "",
    version: slash >= 0 ? apiVersion.slice(slash + 1) : apiVersion,
    kind: typeof m?.kind === "string" ? m.kind : "",
    resource: "",
    namespace: typeof meta?.namespace === "string" ? meta.namespace : "",
    name: typeof meta?.name === "string" ? meta.name : "",
  };
}

/** The agent's identifier, completed from the spec where the agent left a field empty. */
function mergeIdentifier(fromStatus: ResourceIdentifier, fromSpec: IdentifierView): IdentifierView {
  const pick = (k: Exclude<keyof IdentifierView, "ordinal">): string => {
    const v = fromStatus[k];
    return typeof v === "string" && v !== "" ? v : fromSpec[k];
  };
  return {
    ordinal: fromSpec.ordinal,
    group: pick("group"),
    version: pick("version"),
    kind: pick("kind"),
    resource: pick("resource"),
    namespace: pick("namespace"),
    name: pick("name"),
  };
}

/**
 * The manifestConfigs item that names a manifest: by group, resource, namespace and name ("" and
 * absent alike). Before the agent reported the resource (the spec names the kind only), the single
 * item with that group, namespace and name.
 */
function configFor(configs: readonly ManifestConfig[], id: IdentifierView): ManifestConfig | undefined {
  const same = (c: ManifestConfig): boolean => (c.resourceIdentifier.group ?? "") === id.group && (c.resourceIdentifier.namespace ?? "") === id.namespace && c.resourceIdentifier.name === id.name;
  if (id.resource !== "") return configs.find((c) => same(c) && c.resourceIdentifier.resource === id.resource);
  const candidates = configs.filter(same);
  return candidates.length === 1 ? candidates[0] : undefined;
}

function strategyView(config: ManifestConfig | undefined): UpdateStrategyView | null {
  const u = config?.updateStrategy;
  if (!u) return null;
  const type = u.type ?? "ServerSideApply";
  const ssa = type === "ServerSideApply";
  return {
    type,
    takeOver: ssa ? (u.takeOver ?? "Always") : null,
    force: typeof u.serverSideApply?.force === "boolean" ? u.serverSideApply.force : null,
    ignoreFields: (u.serverSideApply?.ignoreFields ?? []).map((f) => ({ condition: String(f.condition ?? ""), jsonPaths: (f.jsonPaths ?? []).map(String) })),
  };
}

/** One line of text: "ReadOnly", "ServerSideApply, takeOver IfNoDiff, force false, ignoreFields OnSpokeChange .spec.replicas". */
export function strategyText(u: UpdateStrategyView): string {
  const parts = [u.type];
  if (u.takeOver !== null && u.takeOver !== "Always") parts.push(`takeOver ${u.takeOver}`);
  if (u.force !== null) parts.push(`force ${u.force}`);
  for (const f of u.ignoreFields) parts.push(`ignoreFields ${f.condition} ${f.jsonPaths.join(" ")}`);
  return parts.join(", ");
}

/** Builds the view of a Work: the manifests of the spec in order, each with its status entry if any. */
export function workStatusView(work: Work): WorkStatusView {
  const specManifests = work.spec?.workload?.manifests ?? [];
  const entries = work.status?.manifestConditions ?? [];
  const byOrdinal = new Map<number, ManifestCondition>();
  const leftovers: ManifestCondition[] = [];
  for (const e of entries) {
    const ord = e.identifier?.ordinal;
    if (typeof ord !== "number" || ord < 0 || ord >= specManifests.length || byOrdinal.has(ord)) leftovers.push(e);
    else byOrdinal.set(ord, e);
  }
  const feedbackOf = (e: ManifestCondition | undefined): unknown => (e as { statusFeedback?: unknown } | undefined)?.statusFeedback ?? null;
  const reportsOf = (e: ManifestCondition | undefined): { driftDetails: unknown; diffDetails: unknown } => ({ driftDetails: e?.driftDetails ?? null, diffDetails: e?.diffDetails ?? null });
  const configs = Array.isArray(work.spec?.manifestConfigs) ? work.spec.manifestConfigs : [];
  const manifests: ManifestView[] = specManifests.map((m, ordinal) => {
    const spec = identifierFromSpec(ordinal, m);
    const e = byOrdinal.get(ordinal);
    const conditions = conditionViews(e?.conditions);
    const identifier = e ? mergeIdentifier(e.identifier, spec) : spec;
    return {
      identifier,
      inSpec: true,
      pending: conditions.length === 0,
      conditions,
      statusFeedback: feedbackOf(e),
      ...reportsOf(e),
      updateStrategy: strategyView(configFor(configs, identifier)),
    };
  });
  const extra = leftovers
    .map((e): ManifestView => {
      const conditions = conditionViews(e.conditions);
      const ordinal = typeof e.identifier?.ordinal === "number" ? e.identifier.ordinal : -1;
      return {
        identifier: mergeIdentifier(e.identifier ?? { ordinal }, identifierFromSpec(ordinal, undefined)),
        inSpec: false,
        pending: conditions.length === 0,
        conditions,
        statusFeedback: feedbackOf(e),
        ...reportsOf(e),
        updateStrategy: null,
      };
    })
    .sort((a, b) => a.identifier.ordinal - b.identifier.ordinal);
  const conditions = conditionViews(work.status?.conditions);
  const observed = conditions.map((c) => c.observedGeneration).filter((g): g is number => g !== null);
  const meta = work.metadata ?? {};
  return {
    work: {
      name: meta.name ?? "",
      namespace: meta.namespace ?? "",
      uid: meta.uid ?? null,
      generation: typeof meta.generation === "number" ? meta.generation : null,
      observedGeneration: observed.length > 0 ? Math.min(...observed) : null,
      creationTimestamp: meta.creationTimestamp ?? null,
      deletionTimestamp: meta.deletionTimestamp ?? null,
      manifestCount: specManifests.length,
      deleteOption: work.spec?.deleteOption ?? null,
    },
    conditions,
    manifests: [...manifests, ...extra],
  };
}

// ------------------------------------------------------------------ text

export interface TextOptions {
  /** Current time (ms), for ages. */
  now: number;
  /** ANSI colours (only when stdout is a terminal and NO_COLOR is unset). */
  color: boolean;
  /** Terminal width; messages wrap to it (0: no wrapping). */
  width: number;
  /** Lines a message may take before it is trimmed with an ellipsis (0: all). Default 3. */
  maxMessageLines?: number;
}

/** Colour of a condition's status: Degraded is good when False; Progressing is neutral. */
export function statusTone(type: string, status: string): Tone | undefined {
  if (type === "Progressing") return status === "Unknown" ? "warn" : undefined;
  const good = type === "Degraded" ? "False" : "True";
  const bad = type === "Degraded" ? "True" : "False";
  if (status === good) return "ok";
  if (status === bad) return "bad";
  return "warn";
}

/** A condition a manifestConfigs condition rule set (on a manifest, or its Work-level summary), or the feedback condition. */
export function fromRuleOrFeedback(type: string, reason: string | undefined): boolean {
  return type === "StatusFeedbackSynced" || (reason ?? "").startsWith("ConditionRule");
}

/** ✓ ✗ ? for Applied and Available (and Degraded, inverted), for conditions set by rules and for StatusFeedbackSynced; a dot for the rest. */
export function statusSymbol(type: string, status: string, reason?: string): string {
  if (type === "Progressing" || (type !== "Applied" && type !== "Available" && type !== "Degraded" && !fromRuleOrFeedback(type, reason))) return "·";
  const tone = statusTone(type, status);
  return tone === "ok" ? "✓" : tone === "bad" ? "✗" : "?";
}

/** `apps/v1/Deployment ns/name`, `v1/Namespace name` (cluster scoped), with placeholders for what is unknown. */
export function manifestLabel(id: IdentifierView): string {
  const gv = id.group !== "" ? `${id.group}/${id.version || "?"}` : id.version;
  const kind = id.kind !== "" ? id.kind : id.resource !== "" ? id.resource : "<unknown kind>";
  const type = gv !== "" ? `${gv}/${kind}` : kind;
  const name = id.name !== "" ? id.name : "<unnamed>";
  return sanitize(`${type} ${id.namespace !== "" ? `${id.namespace}/` : ""}${name}`).replace(/\n/g, " ");
}

/** A feedback value as one line of text. */
function feedbackValue(v: unknown): string {
  if (v === null || v === undefined) return "<none>";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    // A typed union ({type: "Integer", integer: 3}): the member its type names, else the one member set.
    const t = typeof o.type === "string" ? o.type : undefined;
    const members = Object.keys(o).filter((k) => k !== "type");
    const named = t !== undefined ? members.find((k) => k.toLowerCase() === t.toLowerCase()) : undefined;
    const only = members.length === 1 ? members[0] : undefined;
    const key = named ?? only;
    if (key !== undefined) {
      const inner = o[key];
      if (typeof inner === "string" || typeof inner === "number" || typeof inner === "boolean") return String(inner);
    }
  }
  return JSON.stringify(v);
}

/** `name = value` pairs of a manifest's `statusFeedback.values`, when there are any. */
export function feedbackEntries(statusFeedback: unknown): { name: string; value: string }[] {
  const values = (statusFeedback as { values?: unknown } | null | undefined)?.values;
  if (!Array.isArray(values)) return [];
  return values.map((raw: unknown) => {
    const v = (raw ?? {}) as Record<string, unknown>;
    const name = typeof v.name === "string" ? v.name : "<unnamed>";
    const value = "fieldValue" in v ? v.fieldValue : "value" in v ? v.value : Object.fromEntries(Object.entries(v).filter(([k]) => k !== "name"));
    return { name, value: feedbackValue(value) };
  });
}

function statusCell(c: ConditionView): Cell {
  return { text: c.status, tone: statusTone(c.type, c.status) };
}

function headerBlock(v: WorkStatusView, o: TextOptions): string[] {
  const w = v.work;
  const rows: [string, string][] = [
    ["Work:", sanitize(w.name)],
    ["Namespace:", sanitize(w.namespace)],
  ];
  let gen = w.generation === null ? "<unknown>" : String(w.generation);
  if (w.generation !== null && w.observedGeneration !== null && w.observedGeneration < w.generation) {
    gen += paint(`  (status is for generation ${w.observedGeneration}; the agent has not caught up yet)`, "warn", o.color);
  }
  rows.push(["Generation:", gen]);
  rows.push(["Age:", `${age(w.creationTimestamp ?? undefined, o.now)}${w.creationTimestamp !== null ? paint(`  (created ${sanitize(w.creationTimestamp)})`, "dim", o.color) : ""}`]);
  if (w.deletionTimestamp !== null) rows.push(["Deleting:", paint(`for ${age(w.deletionTimestamp, o.now)} (waiting for finalizers)`, "warn", o.color)]);
  const inSpec = v.manifests.filter((m) => m.inSpec);
  const count = (pred: (m: ManifestView) => boolean): number => inSpec.filter(pred).length;
  const applied = (s: string): ((m: ManifestView) => boolean) => (m) => m.conditions.find((c) => c.type === "Applied")?.status === s;
  const parts = [
    [count(applied("True")), "applied"],
    [count(applied("False")), "failed"],
    [count((m) => !m.pending && !["True", "False"].includes(m.conditions.find((c) => c.type === "Applied")?.status ?? "")), "unknown"],
    [count((m) => m.pending), "pending"],
  ] as const;
  const summary = parts.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`);
  rows.push(["Manifests:", `${w.manifestCount}${summary.length > 0 ? ` (${summary.join(", ")})` : ""}`]);
  if (w.deleteOption !== null) rows.push(["Delete option:", sanitize(deleteOptionText(w.deleteOption))]);
  const labelWidth = Math.max(...rows.map(([k]) => k.length)) + 2;
  return rows.map(([k, val]) => `${paint(k.padEnd(labelWidth), "bold", o.color)}${val}`.trimEnd());
}

function conditionsBlock(v: WorkStatusView, o: TextOptions): string[] {
  const out = [paint("Conditions:", "bold", o.color)];
  if (v.conditions.length === 0) {
    out.push(paint("  none reported yet (no agent has processed this Work)", "dim", o.color));
    return out;
  }
  const rows: Cell[][] = v.conditions.map((c) => [c.type, statusCell(c), c.reason, age(c.lastTransitionTime ?? undefined, o.now), c.message]);
  out.push(
    ...renderTable(["TYPE", "STATUS", "REASON", "AGE", "MESSAGE"], rows, {
      color: o.color,
      indent: "  ",
      width: o.width,
      minLastWidth: 30,
      maxLines: o.maxMessageLines ?? 3,
    }),
  );
  return out;
}

/** Tree glyphs: a branch for every child but the last, whose subtree is indented with spaces. */
const BRANCH = "├─ ";
const LAST_BRANCH = "└─ ";
const PIPE = "│    ";
const SPACE = "     ";

function manifestsBlock(v: WorkStatusView, o: TextOptions): string[] {
  const out = [paint("Manifests:", "bold", o.color)];
  if (v.manifests.length === 0) {
    out.push(paint("  none (spec.workload.manifests is empty)", "dim", o.color));
    return out;
  }
  // One layout for the conditions of every manifest, so their columns line up down the tree.
  const rows: Cell[][] = [];
  for (const m of v.manifests) {
    for (const c of m.conditions) {
      const tone = statusTone(c.type, c.status);
      rows.push([{ text: statusSymbol(c.type, c.status, c.reason), tone }, c.type, { text: c.status, tone }, c.reason, age(c.lastTransitionTime ?? undefined, o.now), c.message]);
    }
  }
  const laid = layoutRows(rows, { color: o.color, width: o.width, lead: PIPE.length, minLastWidth: 30, maxLines: o.maxMessageLines ?? 3, gaps: [1] });
  let next = 0;
  v.manifests.forEach((m, i) => {
    const last = i === v.manifests.length - 1;
    const under = last ? SPACE : PIPE;
    const glyphs = paint(last ? LAST_BRANCH : BRANCH, "dim", o.color);
    const note = m.inSpec ? "" : paint("  (not in spec: left from an older generation)", "warn", o.color);
    const label = truncate(`[${m.identifier.ordinal}] ${manifestLabel(m.identifier)}`, o.width > 0 ? Math.max(20, o.width - BRANCH.length) : 0);
    out.push(`${glyphs}${paint(label, "bold", o.color)}${note}`);
    const pipe = paint(under, "dim", o.color);
    if (m.updateStrategy !== null) {
      const width = o.width > 0 ? Math.max(10, o.width - PIPE.length - "strategy: ".length) : 0;
      out.push(`${pipe}${paint("strategy:", "dim", o.color)} ${truncate(sanitize(strategyText(m.updateStrategy)).replace(/\n/g, " "), width)}`.trimEnd());
    }
    if (m.pending) {
      out.push(`${pipe}${paint("… pending: no condition reported yet", "dim", o.color)}`.trimEnd());
    }
    for (let k = 0; k < m.conditions.length; k++) {
      for (const line of laid[next++] ?? []) out.push(`${pipe}${line}`.trimEnd());
    }
    const feedback = feedbackEntries(m.statusFeedback);
    const nameWidth = Math.max(0, ...feedback.map((f) => f.name.length));
    feedback.forEach((f, j) => {
      const label = j === 0 ? paint("feedback:", "dim", o.color) : " ".repeat("feedback:".length);
      const valueWidth = o.width > 0 ? Math.max(10, o.width - PIPE.length - "feedback: ".length - nameWidth - 3) : 0;
      const value = sanitize(f.value).replace(/\n/g, " ");
      out.push(`${pipe}${label} ${sanitize(f.name).padEnd(nameWidth)} = ${truncate(value, valueWidth)}`.trimEnd());
    });
    for (const d of driftTexts(m.driftDetails, m.diffDetails, o.now)) {
      const width = o.width > 0 ? Math.max(10, o.width - PIPE.length - d.label.length - 1) : 0;
      out.push(`${pipe}${paint(d.label, "warn", o.color)} ${truncate(sanitize(d.text).replace(/\n/g, " "), width)}`.trimEnd());
    }
  });
  return out;
}

/** The whole text of `kubectl work status`, ending with a newline. */
export function renderStatusText(v: WorkStatusView, o: TextOptions): string {
  return [...headerBlock(v, o), "", ...conditionsBlock(v, o), "", ...manifestsBlock(v, o)].join("\n") + "\n";
}

/** spec.deleteOption in words: the policy, and what stays on the spoke when the Work or a manifest goes. */
export function deleteOptionText(o: DeleteOption): string {
  const policy = o.propagationPolicy ?? "Foreground";
  if (policy === "Orphan") return "Orphan (every object stays on the spoke when the Work is deleted or it is removed from it)";
  if (policy !== "SelectivelyOrphan") return policy;
  const named = (o.selectivelyOrphans?.orphaningRules ?? []).map((r) => `${r.group ? `${r.resource}.${r.group}` : r.resource} ${r.namespace ? `${r.namespace}/` : ""}${r.name}`);
  return `SelectivelyOrphan (these stay on the spoke when the Work is deleted or they are removed from it: ${named.join(", ") || "none"})`;
}
