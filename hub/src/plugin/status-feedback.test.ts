/** `kubectl work status` with the issue 10 status extensions: feedback values and condition-rule conditions. */
import { describe, expect, it } from "vitest";
import type { Work } from "@work-api/api";
import { NOW, cond, work } from "./fixtures.test-util.js";
import { renderStatusText, statusSymbol, workStatusView } from "./status.js";

function feedbackWork(): Work {
  const manifests = [
    { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "default" } },
    { apiVersion: "batch/v1", kind: "Job", metadata: { name: "migrate", namespace: "default" } },
  ];
  return work(
    "fb",
    "spoke1",
    1,
    {
      conditions: [cond("Applied", "True", "AppliedWorkComplete", "2 of 2 manifests applied", 60, 1), cond("Available", "True", "ManifestsAvailable", "2 of 2 manifests available", 60, 1), cond("Complete", "False", "ConditionRulesFalse", "1 of 1 manifests with a Complete rule are not Complete", 60, 1)],
      manifestConditions: [
        {
          identifier: { ordinal: 0, group: "apps", version: "v1", kind: "Deployment", resource: "deployments", namespace: "default", name: "web" },
          conditions: [cond("Applied", "True", "AppliedManifestComplete", "Apply succeeded", 60), cond("Available", "True", "ConditionRuleTrue", "all replicas ready", 60), cond("StatusFeedbackSynced", "True", "StatusFeedbackSynced", "2 values read", 60)],
          statusFeedback: { values: [{ name: "readyReplicas", fieldValue: { type: "Integer", integer: 3 } }, { name: "selector", fieldValue: { type: "JsonRaw", jsonRaw: '{"app":"web"}' } }] },
        },
        {
          identifier: { ordinal: 1, group: "batch", version: "v1", kind: "Job", resource: "jobs", namespace: "default", name: "migrate" },
          conditions: [cond("Applied", "True", "AppliedManifestComplete", "Apply succeeded", 60), cond("Complete", "False", "ConditionRuleError", "expression 1 of 1 failed: field not found: succeeded", 60), cond("StatusFeedbackSynced", "False", "StatusFeedbackFailed", "1 value not read: done (.done[): the path does not parse: it ends too early (after character 6)", 60)],
        },
      ],
    },
    manifests,
  );
}

describe("kubectl work status: status feedback and condition rules", () => {
  it("text: feedback values under the manifest, rule and feedback conditions marked ✓ ✗ with their reasons", () => {
    const out = renderStatusText(workStatusView(feedbackWork()), { now: NOW, color: false, width: 200 });
    expect(out.slice(out.indexOf("Manifests:\n├"))).toBe(
      [
        "Manifests:",
        "├─ [0] apps/v1/Deployment default/web",
        "│    ✓ Applied                True    AppliedManifestComplete   60s   Apply succeeded",
        "│    ✓ Available              True    ConditionRuleTrue         60s   all replicas ready",
        "│    ✓ StatusFeedbackSynced   True    StatusFeedbackSynced      60s   2 values read",
        "│    feedback: readyReplicas = 3",
        '│              selector      = {"app":"web"}',
        "└─ [1] batch/v1/Job default/migrate",
        "     ✓ Applied                True    AppliedManifestComplete   60s   Apply succeeded",
        "     ✗ Complete               False   ConditionRuleError        60s   expression 1 of 1 failed: field not found: succeeded",
        "     ✗ StatusFeedbackSynced   False   StatusFeedbackFailed      60s   1 value not read: done (.done[): the path does not parse: it ends too early (after character 6)",
        "",
      ].join("\n"),
    );
    // The Work-level summary of the rule-only type is in the Work's conditions table.
    expect(out).toMatch(/\n  Complete\s+False\s+ConditionRulesFalse\s+60s\s+1 of 1 manifests with a Complete rule are not Complete\n/);
  });

  it("-o json: the feedback values as the API holds them and the rule conditions with their reasons", () => {
    const v = JSON.parse(JSON.stringify(workStatusView(feedbackWork()))) as ReturnType<typeof workStatusView>;
    expect(v.manifests[0]?.statusFeedback).toEqual({ values: [{ name: "readyReplicas", fieldValue: { type: "Integer", integer: 3 } }, { name: "selector", fieldValue: { type: "JsonRaw", jsonRaw: '{"app":"web"}' } }] });
    expect(v.manifests[1]?.conditions.map((c) => [c.type, c.status, c.reason])).toEqual([
      ["Applied", "True", "AppliedManifestComplete"],
      ["Complete", "False", "ConditionRuleError"],
      ["StatusFeedbackSynced", "False", "StatusFeedbackFailed"],
    ]);
    expect(v.conditions.map((c) => c.type)).toEqual(["Applied", "Available", "Complete"]);
  });

  it("marks a condition a rule set, or StatusFeedbackSynced, with ✓ ✗ ?; other custom conditions keep the dot", () => {
    expect(["True", "False", "Unknown"].map((s) => statusSymbol("Complete", s, "ConditionRuleTrue"))).toEqual(["✓", "✗", "?"]);
    expect(statusSymbol("StatusFeedbackSynced", "False", "StatusFeedbackFailed")).toBe("✗");
    expect(statusSymbol("Complete", "True", "SomethingElse")).toBe("·");
    expect(statusSymbol("Progressing", "True", "ConditionRuleTrue")).toBe("·");
  });
});
