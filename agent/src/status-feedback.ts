/**
 * The statusFeedback of one manifest (spec.manifestConfigs[].feedbackRules),
 * from the live object of its apply result. Pure.
 *
 * NOT BUILT YET (issue 10): returns nothing; feedback rules are filled in by
 * the feedback work.
 */
import type { ManifestCondition } from "@work-api/api";
import type { ManifestResult } from "@work-api/apply";

export function feedbackStatus(_r: ManifestResult, _previous: ManifestCondition | undefined): Pick<ManifestCondition, "statusFeedback"> {
  return {};
}
