import { describe, expect, it } from "vitest";
import type { ConditionRule, KubeObject } from "@work-api/api";
import { evaluateConditionRules } from "./rules.js";

const job: KubeObject = { apiVersion: "batch/v1", kind: "Job", metadata: { name: "j" }, spec: { completions: 2 }, status: { succeeded: 2, conditions: [{ type: "Complete", status: "True" }] } };
const rule = (condition: string, celExpressions: string[], message?: string): ConditionRule => ({ condition, type: "CEL", celExpressions, ...(message ? { message } : {}) });

describe("evaluateConditionRules", () => {
  it("is True with the rule's message when every expression is true", () => {
    expect(evaluateConditionRules([rule("Complete", ["object.status.succeeded == object.spec.completions", "object.status.conditions.exists(c, c.type == 'Complete' && c.status == 'True')"], "job finished")], job)).toEqual([
      { type: "Complete", status: "True", reason: "ConditionRuleTrue", message: "job finished" },
    ]);
    expect(evaluateConditionRules([rule("Complete", ["has(object.status.succeeded)"])], job)[0]?.message).toBe("the expression is true");
  });

  it("is False naming the first false expression", () => {
    expect(evaluateConditionRules([rule("Available", ["has(object.status)", "object.status.succeeded > 5", "object.status.succeeded > 9"])], job)).toEqual([
      { type: "Available", status: "False", reason: "ConditionRuleFalse", message: "expression 2 of 3 is false: object.status.succeeded > 5" },
    ]);
  });

  it("is False with ConditionRuleError for an expression that does not compile, fails at run time or is not a bool; the other rules still work", () => {
    const r = evaluateConditionRules(
      [
        rule("Parsed", ["object.status.succeeded > 5", "object.status.conditions.exists(c, c.type == "]),
        rule("Runs", ["object.status.nope == 1"]),
        rule("Typed", ["object.status.succeeded"]),
        rule("Complete", ["object.status.succeeded == 2"]),
      ],
      job,
    );
    expect(r.map((c) => [c.type, c.status, c.reason])).toEqual([
      ["Parsed", "False", "ConditionRuleError"],
      ["Runs", "False", "ConditionRuleError"],
      ["Typed", "False", "ConditionRuleError"],
      ["Complete", "True", "ConditionRuleTrue"],
    ]);
    // A compile error wins over an earlier false expression: a broken rule is never hidden.
    expect(r[0]?.message).toMatch(/^expression 2 of 2 does not compile: /);
    expect(r[1]?.message).toBe("expression 1 of 1 failed: field not found: nope");
    expect(r[2]?.message).toBe("expression 1 of 1 gave int 2, not a bool");
  });

  it("keeps messages short: a long expression is cut in the message", () => {
    const long = `object.status.succeeded == ${"1".repeat(3)} && ${Array.from({ length: 200 }, () => "true").join(" && ")}`;
    const [c] = evaluateConditionRules([rule("X", [long])], job);
    expect(c?.status).toBe("False");
    expect(c?.message.length).toBeLessThanOrEqual(1024);
    expect(c?.message).toMatch(/^expression 1 of 1 is false: object\.status\.succeeded == 111 && true.*…$/);
  });
});
