import { describe, expect, it } from "vitest";
import type { ConditionRule, KubeObject, ManifestConfig } from "@work-api/api";
import type { ManifestResult } from "@work-api/apply";
import { nextWorkStatus } from "./status.js";

const T0 = "2026-01-01T00:00:00Z";
const T1 = "2026-01-02T00:00:00Z";
const cm = (ordinal: number, data: Record<string, string>, conditionRules?: ConditionRule[]): ManifestResult => {
  const name = `cm${ordinal}`;
  const live: KubeObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "d" }, data };
  const config: ManifestConfig | undefined = conditionRules ? { resourceIdentifier: { resource: "configmaps", namespace: "d", name }, conditionRules } : undefined;
  return { ordinal, identifier: { ordinal, group: "", version: "v1", kind: "ConfigMap", resource: "configmaps", namespace: "d", name }, action: "unchanged", message: "", live, ...(config ? { config } : {}) };
};
const rule = (condition: string, ...celExpressions: string[]): ConditionRule => ({ condition, type: "CEL", celExpressions });
const manifestCond = (s: ReturnType<typeof nextWorkStatus>, i: number, type: string) => s.manifestConditions?.[i]?.conditions.find((c) => c.type === type);
const workCond = (s: ReturnType<typeof nextWorkStatus>, type: string) => s.conditions?.find((c) => c.type === type);

describe("conditionRules in the Work status", () => {
  it("a custom Available replaces the built-in one (a ConfigMap is otherwise Available once it exists) and the Work summary uses it", () => {
    const s = nextWorkStatus([cm(0, { ready: "no" }, [rule("Available", "object.data.ready == 'yes'")]), cm(1, {})], undefined, 1, T0);
    expect(manifestCond(s, 0, "Available")).toMatchObject({ status: "False", reason: "ConditionRuleFalse", message: "expression 1 of 1 is false: object.data.ready == 'yes'" });
    expect(manifestCond(s, 1, "Available")).toMatchObject({ status: "True", reason: "ResourceExists" });
    expect(workCond(s, "Available")).toMatchObject({ status: "False", reason: "ManifestsNotAvailable", message: "1 of 2 manifests not available: manifest 0: expression 1 of 1 is false: object.data.ready == 'yes'" });
    const t = nextWorkStatus([cm(0, { ready: "yes" }, [rule("Available", "object.data.ready == 'yes'")]), cm(1, {})], s, 1, T1);
    expect(manifestCond(t, 0, "Available")).toMatchObject({ status: "True", reason: "ConditionRuleTrue" });
    expect(workCond(t, "Available")?.status).toBe("True");
  });

  it("adds a new condition type to the manifest and summarises it on the Work", () => {
    const s = nextWorkStatus([cm(0, { phase: "done" }, [rule("Complete", "object.data.phase == 'done'")]), cm(1, { phase: "running" }, [rule("Complete", "object.data.phase == 'done'")]), cm(2, {})], undefined, 1, T0);
    expect(manifestCond(s, 0, "Complete")).toMatchObject({ status: "True", reason: "ConditionRuleTrue" });
    expect(manifestCond(s, 1, "Complete")).toMatchObject({ status: "False", reason: "ConditionRuleFalse" });
    expect(manifestCond(s, 2, "Complete")).toBeUndefined();
    expect(workCond(s, "Complete")).toMatchObject({ status: "False", reason: "ConditionRulesFalse", message: "1 of 2 manifests with a Complete rule are not Complete: manifest 1: expression 1 of 1 is false: object.data.phase == 'done'", observedGeneration: 1 });
    const t = nextWorkStatus([cm(0, { phase: "done" }, [rule("Complete", "object.data.phase == 'done'")]), cm(1, { phase: "done" }, [rule("Complete", "object.data.phase == 'done'")]), cm(2, {})], s, 1, T1);
    expect(workCond(t, "Complete")).toMatchObject({ status: "True", reason: "ConditionRulesTrue", message: "2 of 2 manifests with a Complete rule are Complete" });
  });

  it("a rule that fails is that condition False with ConditionRuleError; the other manifests and rules still work", () => {
    const s = nextWorkStatus([cm(0, {}, [rule("Available", "object.data.missing == 'x'"), rule("Complete", "object.data.size() == 0")]), cm(1, {}, [rule("Available", "object.data.(")])], undefined, 1, T0);
    expect(manifestCond(s, 0, "Available")).toMatchObject({ status: "False", reason: "ConditionRuleError", message: "expression 1 of 1 failed: field not found: missing" });
    expect(manifestCond(s, 0, "Complete")).toMatchObject({ status: "True", reason: "ConditionRuleTrue" });
    expect(manifestCond(s, 1, "Available")).toMatchObject({ status: "False", reason: "ConditionRuleError" });
    expect(manifestCond(s, 1, "Available")?.message).toMatch(/^expression 1 of 1 does not compile: /);
    expect(manifestCond(s, 0, "Applied")?.status).toBe("True");
  });

  it("a custom condition without a live object is Unknown; a custom Available leaves the agent's own", () => {
    const failed = (conditionRules: ConditionRule[]): ManifestResult => ({ ordinal: 0, identifier: { ordinal: 0, group: "", version: "v1", kind: "ConfigMap", resource: "configmaps", namespace: "d", name: "cm0" }, action: "failed", reason: "ApplyFailed", message: "boom", config: { resourceIdentifier: { resource: "configmaps", namespace: "d", name: "cm0" }, conditionRules } });
    const s = nextWorkStatus([failed([rule("Complete", "true"), rule("Available", "true")])], undefined, 1, T0);
    expect(manifestCond(s, 0, "Complete")).toMatchObject({ status: "Unknown", reason: "ConditionRuleNoObject" });
    expect(manifestCond(s, 0, "Available")).toMatchObject({ status: "Unknown", reason: "NotApplied" });
    expect(workCond(s, "Complete")?.status).toBe("Unknown");
  });

  it("removes a custom condition, on the manifest and the Work, when its rule is removed", () => {
    const a = nextWorkStatus([cm(0, {}, [rule("Complete", "true"), rule("Available", "false")])], undefined, 1, T0);
    expect(manifestCond(a, 0, "Available")?.reason).toBe("ConditionRuleFalse");
    const b = nextWorkStatus([cm(0, {})], a, 2, T1);
    expect(manifestCond(b, 0, "Complete")).toBeUndefined();
    expect(workCond(b, "Complete")).toBeUndefined();
    expect(manifestCond(b, 0, "Available")).toMatchObject({ status: "True", reason: "ResourceExists" });
    expect(b.conditions?.map((c) => c.type)).toEqual(["Applied", "Available", "Progressing", "Degraded"]);
  });
});
