/**
 * The driftDetails (drift the agent reverted) and diffDetails (ReportDiff)
 * of one manifest, from its apply result and what the status said before.
 * Pure.
 *
 * NOT BUILT YET (issue 10): returns nothing.
 */
import type { ManifestCondition } from "@work-api/api";
import type { ManifestResult } from "@work-api/apply";

export function driftStatus(_r: ManifestResult, _previous: ManifestCondition | undefined, _now: string | undefined): Pick<ManifestCondition, "driftDetails" | "diffDetails"> {
  return {};
}
