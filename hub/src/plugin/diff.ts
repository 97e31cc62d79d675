/**
 * What `kubectl work diff` prints, pure: per manifest a unified diff of the
 * live object and the object as the Work's apply would leave it (from a
 * server-side dry-run), as `kubectl diff` prints it, or the differences the
 * agent reported (diffDetails, driftDetails) when there is no spoke access.
 * Uses `diff` (jsdiff) for the unified format.
 */
import { createTwoFilesPatch } from "diff";
import { stringify } from "yaml";
import type { DriftDetails, KubeObject, ManifestCondition, Work } from "@work-api/api";

/** One manifest's outcome of a live diff. */
export type ManifestDiff =
  | { ordinal: number; label: string; path: string; live: KubeObject | undefined; merged: KubeObject; note?: string }
  | { ordinal: number; label: string; error: string };

/** Fields that change on every write or say nothing about the content (kubectl diff hides managedFields too). */
function forDiff(obj: KubeObject | undefined): string {
  if (obj === undefined) return "";
  const copy = structuredClone(obj);
  if (copy.metadata) {
    delete copy.metadata.managedFields;
    delete copy.metadata.resourceVersion;
    delete copy.metadata.generation;
  }
  return stringify(copy, { lineWidth: 0, sortMapEntries: true });
}

/**
 * A Secret's values masked as kubectl diff masks them: `***` on both sides when equal, `*** (before)`
 * and `*** (after)` when they differ. Other kinds are returned as they are.
 */
export function maskSecrets(live: KubeObject | undefined, merged: KubeObject): [KubeObject | undefined, KubeObject] {
  const isSecret = (o: KubeObject | undefined): boolean => o !== undefined && o.kind === "Secret" && o.apiVersion === "v1";
  if (!isSecret(merged) && !isSecret(live)) return [live, merged];
  const values = (o: KubeObject | undefined): Record<string, unknown> => ({ ...((o?.data as Record<string, unknown> | undefined) ?? {}), ...((o?.stringData as Record<string, unknown> | undefined) ?? {}) });
  const [lv, mv] = [values(live), values(merged)];
  const masked = (o: KubeObject | undefined, mine: Record<string, unknown>, other: Record<string, unknown>, tag: string): KubeObject | undefined => {
    if (o === undefined) return undefined;
    const copy = structuredClone(o);
    for (const field of ["data", "stringData"] as const) {
      const m = copy[field] as Record<string, unknown> | undefined;
      if (!m) continue;
      for (const k of Object.keys(m)) m[k] = mine[k] === other[k] ? "***" : `*** (${tag})`;
    }
    return copy;
  };
  return [masked(live, lv, mv, "before"), masked(merged, mv, lv, "after")!];
}

/** The unified diff of one manifest, "" when the dry-run changes nothing. */
export function renderManifestDiff(d: Extract<ManifestDiff, { merged: KubeObject }>): string {
  const [live, merged] = maskSecrets(d.live, d.merged);
  const a = forDiff(live);
  const b = forDiff(merged);
  if (a === b) return "";
  const patch = createTwoFilesPatch(d.live ? `live/${d.path}` : "/dev/null", `work/${d.path}`, a, b, undefined, undefined, { context: 3 });
  // jsdiff starts with an "Index:" line and a "===" rule; kubectl diff (diff -u) starts at "---".
  const body = patch.split("\n").filter((l, i) => !(i < 2 && (l.startsWith("Index:") || /^=+$/.test(l))));
  return `# ${d.label}${d.note ? ` (${d.note})` : ""}\n` + body.join("\n").replace(/\n*$/, "\n");
}

/** Everything a live diff prints; `differs` when any manifest differs, `failed` when one could not be diffed. */
export function renderLiveDiff(diffs: readonly ManifestDiff[]): { text: string; errors: string[]; differs: boolean } {
  let text = "";
  const errors: string[] = [];
  let differs = false;
  for (const d of diffs) {
    if ("error" in d) {
      errors.push(`${d.label}: ${d.error}`);
      continue;
    }
    const one = renderManifestDiff(d);
    if (one !== "") differs = true;
    text += one;
  }
  return { text, errors, differs };
}

function details(kind: string, d: DriftDetails): string[] {
  const head = `  ${kind}: ${d.count} time${d.count === 1 ? "" : "s"}, last ${d.observedTime} (first ${d.firstDriftedObservedTime})`;
  return [
    head,
    ...d.observedDrifts.map((o) => {
      const by = o.fieldManager ? ` [${o.fieldManager}]` : "";
      if (o.valueInMember === undefined && o.valueInHub === undefined) return `    ${o.path}${by}`;
      return `    ${o.path}${by}: spoke ${o.valueInMember ?? "(absent)"}, work ${o.valueInHub ?? "(absent)"}`;
    }),
  ];
}

function labelOf(m: ManifestCondition): string {
  const id = m.identifier;
  const name = id.namespace ? `${id.namespace}/${id.name ?? ""}` : (id.name ?? "");
  return `manifest ${id.ordinal} (${id.kind ?? "?"} ${name})`;
}

/**
 * Without spoke access: what the agent reported. `differs` when a ReportDiff manifest reports
 * differences (drift the agent reverted is history: the spoke matches again).
 */
export function renderReportedDiff(work: Work): { text: string; differs: boolean } {
  const lines: string[] = [];
  let differs = false;
  for (const m of work.status?.manifestConditions ?? []) {
    const parts: string[] = [];
    if (m.diffDetails) {
      differs = true;
      parts.push(...details("differs (ReportDiff, never written)", m.diffDetails));
    }
    if (m.driftDetails) parts.push(...details("drift reverted by the agent", m.driftDetails));
    if (parts.length > 0) lines.push(`# ${labelOf(m)}`, ...parts);
  }
  const head = "# As the agent reported it (pass --spoke-kubeconfig for a server-side dry-run against the live objects).\n";
  return { text: head + (lines.length > 0 ? lines.join("\n") + "\n" : "# No differences or drift reported.\n"), differs };
}
