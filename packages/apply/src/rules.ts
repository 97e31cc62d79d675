/**
 * Condition rules (spec.manifestConfigs[].conditionRules): a manifest
 * condition computed from the live object by CEL expressions over `object`.
 * Pure (compiled programs are cached in cel.ts).
 *
 * - True (ConditionRuleTrue) when every expression is true; the message is
 *   the rule's, or "the expression is true" / "all N expressions are true".
 * - False (ConditionRuleFalse) at the first false expression, naming it.
 * - False (ConditionRuleError) when an expression does not compile (checked
 *   for all expressions first, so a broken rule is never hidden behind a
 *   false one), is refused for its cost, fails at run time (a missing key:
 *   guard with has()) or gives something other than a bool. False rather
 *   than Unknown: a rule that cannot say "true" must not let a Work count as
 *   Available, and the reason tells an error from a false expression.
 */
import type { ConditionRule, KubeObject } from "@work-api/api";
import { celObject, celTypeName, evaluateCel, type CelObject } from "./cel.js";

export const ConditionRuleReason = {
  true: "ConditionRuleTrue",
  false: "ConditionRuleFalse",
  error: "ConditionRuleError",
} as const;

export interface RuleCondition {
  type: string;
  status: "True" | "False";
  reason: (typeof ConditionRuleReason)[keyof typeof ConditionRuleReason];
  message: string;
}

/** Condition messages stay under this many characters. */
const MAX_MESSAGE = 1024;
/** An expression quoted in a message is cut to this many characters. */
const MAX_QUOTED = 256;

function quote(expr: string): string {
  return expr.length > MAX_QUOTED ? `${expr.slice(0, MAX_QUOTED - 1)}…` : expr;
}

function bounded(message: string): string {
  return message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message;
}

function preview(value: unknown): string {
  const s = typeof value === "bigint" ? value.toString() : typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) ?? String(value));
  return s.length > 64 ? `${s.slice(0, 63)}…` : s;
}

function evaluateRule(rule: ConditionRule, object: CelObject): RuleCondition {
  const exprs = rule.celExpressions;
  const n = exprs.length;
  const result = (status: RuleCondition["status"], reason: RuleCondition["reason"], message: string): RuleCondition => ({ type: rule.condition, status, reason, message: bounded(message) });
  const outcomes = exprs.map((e) => evaluateCel(e, object));
  const broken = outcomes.findIndex((o) => !o.ok && o.stage === "compile");
  if (broken >= 0) {
    const o = outcomes[broken] as { message: string };
    return result("False", ConditionRuleReason.error, `expression ${broken + 1} of ${n} does not compile: ${o.message}`);
  }
  for (const [i, o] of outcomes.entries()) {
    const which = `expression ${i + 1} of ${n}`;
    if (!o.ok) return result("False", ConditionRuleReason.error, o.stage === "cost" ? `${which} is too costly: ${o.message}` : `${which} failed: ${o.message}`);
    if (typeof o.value !== "boolean") return result("False", ConditionRuleReason.error, `${which} gave ${celTypeName(o.value)} ${preview(o.value)}, not a bool`);
    if (!o.value) return result("False", ConditionRuleReason.false, `${which} is false: ${quote(exprs[i] ?? "")}`);
  }
  return result("True", ConditionRuleReason.true, rule.message ?? (n === 1 ? "the expression is true" : `all ${n} expressions are true`));
}

/** One condition per rule, in rule order, evaluated over the live object. */
export function evaluateConditionRules(rules: readonly ConditionRule[], live: KubeObject): RuleCondition[] {
  if (rules.length === 0) return [];
  const object = celObject(live);
  return rules.map((r) => evaluateRule(r, object));
}
