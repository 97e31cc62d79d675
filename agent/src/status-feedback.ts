/**
 * The statusFeedback of one manifest (spec.manifestConfigs[].feedbackRules)
 * and its StatusFeedbackSynced condition, from the live object of its apply
 * result. Pure: the values are read (packages/apply/src/feedback.ts) each
 * time the Work is reconciled, and a change of the live object (status too)
 * reconciles its Works through the spoke cache's watch (agent/src/spoke.ts),
 * so values follow the object without polling; statusPatch writes them only
 * when they changed.
 *
 * - No feedback rules: nothing (no field, no condition).
 * - No live object: no values, StatusFeedbackSynced=Unknown (ObjectNotFound).
 * - Otherwise the values read, and StatusFeedbackSynced True ("N values
 *   read") or False (StatusFeedbackFailed) naming each value or rule that
 *   could not be read; the values that were read are still reported.
 */
import type { DesiredCondition, ManifestCondition } from "@work-api/api";
import { FeedbackCondition, readFeedback, type ManifestResult } from "@work-api/apply";

export interface ManifestFeedback {
  fields: Pick<ManifestCondition, "statusFeedback">;
  conditions: DesiredCondition[];
}

const MAX_LISTED = 3;

function failureMessage(failures: readonly string[]): string {
  const shown = failures.slice(0, MAX_LISTED).join("; ");
  const more = failures.length > MAX_LISTED ? `; and ${failures.length - MAX_LISTED} more` : "";
  return `${failures.length} ${failures.length === 1 ? "value" : "values"} not read: ${shown}${more}`.slice(0, 1024);
}

export function feedbackStatus(r: ManifestResult): ManifestFeedback {
  const rules = r.config?.feedbackRules ?? [];
  if (rules.length === 0) return { fields: {}, conditions: [] };
  if (!r.live) {
    return { fields: {}, conditions: [{ type: FeedbackCondition.type, status: "Unknown", reason: FeedbackCondition.noObject, message: "no live object to read status values from" }] };
  }
  const generation = r.live.metadata?.generation;
  const og = typeof generation === "number" ? { observedGeneration: generation } : {};
  const { values, failures } = readFeedback(rules, r.identifier.group ?? "", r.identifier.kind ?? "", r.live);
  const condition: DesiredCondition =
    failures.length === 0
      ? { type: FeedbackCondition.type, status: "True", reason: FeedbackCondition.synced, message: `${values.length} ${values.length === 1 ? "value" : "values"} read`, ...og }
      : { type: FeedbackCondition.type, status: "False", reason: FeedbackCondition.failed, message: failureMessage(failures), ...og };
  return { fields: { statusFeedback: { values } }, conditions: [condition] };
}
