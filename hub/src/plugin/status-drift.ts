/**
 * The drift and diff lines of `kubectl work status` under a manifest: the
 * last drift the agent reverted (driftDetails) and what a ReportDiff
 * manifest differs by (diffDetails), each with the paths and the field
 * manager holding each. Values are left to -o json|yaml and `kubectl work diff`.
 */
import type { DriftDetails } from "@work-api/api";
import { age } from "./age.js";

/** Paths named on one line before "and N more". */
const SHOWN = 3;

function isDetails(v: unknown): v is DriftDetails {
  const d = v as Partial<DriftDetails> | null | undefined;
  return typeof d === "object" && d !== null && typeof d.count === "number" && Array.isArray(d.observedDrifts);
}

function paths(d: DriftDetails): string {
  const named = d.observedDrifts.slice(0, SHOWN).map((o) => (o.path === "." ? "the whole object (deleted)" : o.path) + (o.fieldManager ? ` [${o.fieldManager}]` : ""));
  const more = d.observedDrifts.length > SHOWN ? `, and ${d.observedDrifts.length - SHOWN} more` : "";
  return named.join(", ") + more;
}

/** `drift:` and `diff:` texts (without the label) for a manifest; empty when it reports neither. */
export function driftTexts(driftDetails: unknown, diffDetails: unknown, now: number): { label: string; text: string }[] {
  const out: { label: string; text: string }[] = [];
  if (isDetails(driftDetails)) {
    const times = driftDetails.count === 1 ? "once" : `${driftDetails.count} times`;
    out.push({ label: "drift:", text: `reverted ${times}, last ${age(driftDetails.observedTime, now)} ago: ${paths(driftDetails)}` });
  }
  if (isDetails(diffDetails)) {
    out.push({ label: "diff:", text: `differs at ${paths(diffDetails)} (since ${age(diffDetails.firstDriftedObservedTime, now)} ago; never written)` });
  }
  return out;
}
