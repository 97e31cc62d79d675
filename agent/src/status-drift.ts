/**
 * The driftDetails (drift the agent reverted) and diffDetails (what a
 * ReportDiff manifest differs by) of one manifest, from its apply result and
 * what the status said before. Pure.
 *
 * - driftDetails changes only when an apply reverted drift (a change out of
 *   band, or the object deleted and re-created): the count goes up, the first
 *   time is kept, the paths are those of this revert. While the object stays
 *   in sync the last record stays as it was, so a steady object writes nothing.
 * - diffDetails is the current difference: replaced when the differences
 *   change (count up), removed when the live object matches, kept when the
 *   spoke could not be read.
 * - Bounded: at most StatusBounds.maxObservedDrifts paths; values cut to
 *   maxDriftValueBytes, paths and manager names to the CRD's lengths. A Secret's
 *   values are never copied to the hub (only paths and managers).
 */
import { StatusBounds, UpdateStrategyType, type DriftDetails, type ManifestCondition, type ObservedDrift } from "@work-api/api";
import { describeManifest, stableStringify, type ManifestResult } from "@work-api/apply";

/** Lengths the CRD allows (crds/multicluster.x-k8s.io_works.yaml, observedDrifts). */
const MAX_PATH = 512;
const MAX_MANAGER = 256;
const CUT = "…";

export function driftStatus(r: ManifestResult, previous: ManifestCondition | undefined, now: string | undefined): Pick<ManifestCondition, "driftDetails" | "diffDetails"> {
  const at = apiTime(now);
  const drift = driftDetails(r, previous?.driftDetails, at);
  const diff = diffDetails(r, previous?.diffDetails, at);
  return { ...(drift ? { driftDetails: drift } : {}), ...(diff ? { diffDetails: diff } : {}) };
}

function driftDetails(r: ManifestResult, previous: DriftDetails | undefined, at: string): DriftDetails | undefined {
  if (r.drift === undefined) return previous;
  // Re-created: the whole object was missing on the spoke.
  const drifts = r.drift === "deleted" ? [{ path: "." }] : bounded(r, r.differences ?? []);
  return { observedTime: at, firstDriftedObservedTime: previous?.firstDriftedObservedTime ?? at, count: (previous?.count ?? 0) + 1, observedDrifts: drifts };
}

function diffDetails(r: ManifestResult, previous: DriftDetails | undefined, at: string): DriftDetails | undefined {
  if (r.config?.updateStrategy?.type !== UpdateStrategyType.ReportDiff) return undefined;
  // Not read this time (the spoke did not answer, ...): the last report still says the most.
  if (r.action === "failed") return previous;
  const drifts = bounded(r, r.differences ?? []);
  if (drifts.length === 0) return undefined;
  if (previous && stableStringify(previous.observedDrifts) === stableStringify(drifts)) return previous;
  return { observedTime: at, firstDriftedObservedTime: previous?.firstDriftedObservedTime ?? at, count: (previous?.count ?? 0) + 1, observedDrifts: drifts };
}

function bounded(r: ManifestResult, drifts: readonly ObservedDrift[]): ObservedDrift[] {
  const secret = (r.identifier.group ?? "") === "" && r.identifier.kind === "Secret";
  return drifts.slice(0, StatusBounds.maxObservedDrifts).map((d) => {
    const out: ObservedDrift = { path: cutChars(d.path, MAX_PATH) };
    if (!secret && d.valueInMember !== undefined) out.valueInMember = cutBytes(d.valueInMember, StatusBounds.maxDriftValueBytes);
    if (!secret && d.valueInHub !== undefined) out.valueInHub = cutBytes(d.valueInHub, StatusBounds.maxDriftValueBytes);
    if (d.fieldManager !== undefined) out.fieldManager = cutChars(d.fieldManager, MAX_MANAGER);
    return out;
  });
}

function cutChars(s: string, max: number): string {
  return s.length <= max ? s : s.slice(0, max - CUT.length) + CUT;
}

/** At most `max` UTF-8 bytes, cut on a character boundary and marked with "…". */
export function cutBytes(s: string, max: number): string {
  if (Buffer.byteLength(s) <= max) return s;
  const room = max - Buffer.byteLength(CUT);
  let out = "";
  let used = 0;
  for (const ch of s) {
    const n = Buffer.byteLength(ch);
    if (used + n > room) break;
    out += ch;
    used += n;
  }
  return out + CUT;
}

/** RFC 3339 without fractions of a second, as the API server writes metav1.Time. */
function apiTime(now: string | undefined): string {
  const t = now !== undefined ? new Date(now) : new Date();
  return t.toISOString().replace(/\.\d+Z$/, "Z");
}

/**
 * The message of the Warning Event DriftReverted, one entry per manifest whose drift this
 * reconcile reverted, naming each path and the manager that had changed it (no values:
 * Events are read more widely than the Work). Undefined when nothing was reverted.
 */
export function driftEventMessage(results: readonly ManifestResult[]): string | undefined {
  const entries = results
    .filter((r) => r.drift !== undefined)
    .map((r) => {
      const label = describeManifest(r.ordinal, r.identifier.kind ?? "", r.identifier.namespace, r.identifier.name ?? "");
      if (r.drift === "deleted") return `${label}: deleted on the spoke, re-created`;
      const paths = (r.differences ?? []).slice(0, 5).map((d) => `${d.path} (by ${d.fieldManager ?? "an unknown manager"})`);
      const more = (r.differences?.length ?? 0) > 5 ? `, and ${r.differences!.length - 5} more` : "";
      return `${label}: reverted ${paths.length > 0 ? paths.join(", ") + more : "a change"}`;
    });
  return entries.length > 0 ? `Drift reverted on the spoke: ${entries.join("; ")}`.slice(0, 1024) : undefined;
}
