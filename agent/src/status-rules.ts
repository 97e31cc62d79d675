/**
 * Condition rules (spec.manifestConfigs[].conditionRules) in the Work
 * status. Pure.
 *
 * - Per manifest: each rule's condition, evaluated over the live object
 *   (packages/apply/src/rules.ts), replaces the agent's own condition of that
 *   type (Available, Progressing, Degraded) or is added (Complete, ...).
 *   Without a live object a rule for one of the agent's own types leaves the
 *   agent's condition; any other type is Unknown (ConditionRuleNoObject).
 * - On the Work: Available, Progressing and Degraded are summarised as
 *   always (so a custom Available feeds the Work's Available); a type only
 *   rules set is summarised over the manifests that have a rule for it: True
 *   when all are True, False when one is False, Unknown otherwise.
 * - A condition that a rule set, or that feedback set, and that is no longer
 *   computed (its rule was removed) is dropped rather than left stale.
 */
import { ConditionType, type Condition, type DesiredCondition, type ManifestCondition } from "@work-api/api";
import { FeedbackCondition, evaluateConditionRules, type ManifestResult } from "@work-api/apply";

const AGENT_TYPES = new Set<string>([ConditionType.Applied, ConditionType.Available, ConditionType.Progressing, ConditionType.Degraded]);
const NO_OBJECT = "ConditionRuleNoObject";
/** Reasons of the Work-level summaries of rule-only condition types. */
const WORK_REASON = { true: "ConditionRulesTrue", false: "ConditionRulesFalse", unknown: "ConditionRulesUnknown" } as const;

/** The manifest's desired conditions with its rules' conditions in place of, or beside, the agent's. */
export function withConditionRules(r: ManifestResult, desired: readonly DesiredCondition[]): DesiredCondition[] {
  const rules = r.config?.conditionRules ?? [];
  if (rules.length === 0) return [...desired];
  let computed: DesiredCondition[];
  if (r.live) {
    const generation = r.live.metadata?.generation;
    const og = typeof generation === "number" ? { observedGeneration: generation } : {};
    computed = evaluateConditionRules(rules, r.live).map((c) => ({ ...c, ...og }));
  } else {
    computed = rules.filter((rule) => !AGENT_TYPES.has(rule.condition)).map((rule) => ({ type: rule.condition, status: "Unknown", reason: NO_OBJECT, message: "no live object to evaluate the rule over" }));
  }
  const replaced = new Set(computed.map((c) => c.type));
  return [...desired.filter((d) => !replaced.has(d.type)), ...computed];
}

function setByRulesOrFeedback(c: Condition): boolean {
  return c.reason.startsWith("ConditionRule") || c.type === FeedbackCondition.type;
}

/** `previous` without the rule and feedback conditions that `desired` no longer has. */
export function withoutStale(previous: readonly Condition[] | undefined, desired: readonly DesiredCondition[]): Condition[] {
  const types = new Set(desired.map((d) => d.type));
  return (previous ?? []).filter((c) => types.has(c.type) || !setByRulesOrFeedback(c));
}

/** Condition types that rules set and the agent does not summarise itself, in first-seen order. */
function ruleOnlyTypes(results: readonly ManifestResult[]): string[] {
  const types = new Set<string>();
  for (const r of results) for (const rule of r.config?.conditionRules ?? []) if (!AGENT_TYPES.has(rule.condition)) types.add(rule.condition);
  return [...types];
}

const MAX_LISTED = 3;

/** The Work-level summary of each rule-only condition type. */
export function workRuleConditions(results: readonly ManifestResult[], manifests: readonly ManifestCondition[], generation: number | undefined): DesiredCondition[] {
  const og = generation !== undefined ? { observedGeneration: generation } : {};
  return ruleOnlyTypes(results).map((type) => {
    const withRule = manifests.filter((m) => results.some((r) => r.ordinal === m.identifier.ordinal && r.config?.conditionRules?.some((rule) => rule.condition === type)));
    const cond = (m: ManifestCondition): Condition | undefined => m.conditions.find((c) => c.type === type);
    const n = withRule.length;
    const isFalse = withRule.filter((m) => cond(m)?.status === "False");
    if (isFalse.length > 0) {
      const listed = isFalse.slice(0, MAX_LISTED).map((m) => `manifest ${m.identifier.ordinal}: ${cond(m)?.message ?? ""}`).join("; ");
      const more = isFalse.length > MAX_LISTED ? `; and ${isFalse.length - MAX_LISTED} more` : "";
      return { type, status: "False", reason: WORK_REASON.false, message: `${isFalse.length} of ${n} manifests with a ${type} rule are not ${type}: ${listed}${more}`.slice(0, 1024), ...og };
    }
    const unknown = withRule.filter((m) => cond(m)?.status !== "True");
    if (unknown.length > 0) return { type, status: "Unknown", reason: WORK_REASON.unknown, message: `${unknown.length} of ${n} manifests with a ${type} rule are not evaluated`, ...og };
    return { type, status: "True", reason: WORK_REASON.true, message: `${n} of ${n} manifests with a ${type} rule are ${type}`, ...og };
  });
}
