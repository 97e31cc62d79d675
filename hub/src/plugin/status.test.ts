import { describe, expect, it } from "vitest";
import type { Work } from "@work-api/api";
import { appliedWork, emptyWork, failedWork, LONG_MESSAGE, NOW, unknownWork, work, cond } from "./fixtures.test-util.js";
import { deleteOptionText, feedbackEntries, manifestLabel, renderStatusText, statusSymbol, strategyText, workStatusView } from "./status.js";

const text = (w: Parameters<typeof workStatusView>[0], width = 120, color = false): string => renderStatusText(workStatusView(w), { now: NOW, color, width });

describe("workStatusView (-o json)", () => {
  it("lists the spec's manifests in ordinal order with the agent's identifiers and conditions", () => {
    const v = workStatusView(failedWork());
    expect(v.work).toEqual({
      name: "failed",
      namespace: "spoke1",
      uid: "uid-failed",
      generation: 3,
      observedGeneration: 3,
      creationTimestamp: "2026-02-25T09:00:00Z",
      deletionTimestamp: null,
      manifestCount: 3,
      deleteOption: null,
    });
    expect(v.manifests.map((m) => m.identifier.ordinal)).toEqual([0, 1, 2]);
    expect(v.manifests[0]).toMatchObject({ identifier: { kind: "ConfigMap", resource: "configmaps", namespace: "default", name: "cm" }, pending: false, inSpec: true });
    expect(v.manifests[1]?.conditions[0]).toEqual({
      type: "Applied",
      status: "False",
      reason: "AppliedManifestFailed",
      message: LONG_MESSAGE,
      lastTransitionTime: "2026-03-01T11:57:30Z",
      observedGeneration: null,
    });
  });

  it("shows a manifest without a condition as pending, identified from the spec", () => {
    const m = workStatusView(failedWork()).manifests[2];
    expect(m).toEqual({
      identifier: { ordinal: 2, group: "", version: "v1", kind: "Namespace", resource: "", namespace: "", name: "team-a" },
      inSpec: true,
      pending: true,
      conditions: [],
      statusFeedback: null,
      driftDetails: null,
      diffDetails: null,
      updateStrategy: null,
    });
  });

  it("puts the KEP's condition types first, in a fixed order", () => {
    const w = work("w", "ns", 1, { conditions: [cond("Custom", "True", "r", "m"), cond("Degraded", "False", "r", "m"), cond("Available", "True", "r", "m"), cond("Applied", "True", "r", "m")] });
    expect(workStatusView(w).conditions.map((c) => c.type)).toEqual(["Applied", "Available", "Degraded", "Custom"]);
  });

  it("keeps status entries past the end of the spec, marked as not in spec", () => {
    const w = work("w", "ns", 2, { manifestConditions: [{ identifier: { ordinal: 7, version: "v1", kind: "ConfigMap", name: "old", namespace: "x" }, conditions: [cond("Applied", "True", "r", "")] }] }, []);
    const v = workStatusView(w);
    expect(v.manifests).toHaveLength(1);
    expect(v.manifests[0]).toMatchObject({ inSpec: false, identifier: { ordinal: 7, name: "old" } });
  });

  it("takes the oldest observed generation of the Work's conditions", () => {
    expect(workStatusView(unknownWork()).work).toMatchObject({ generation: 5, observedGeneration: 4 });
    expect(workStatusView(emptyWork()).work.observedGeneration).toBeNull();
  });

  it("shows spec.deleteOption in the header and in JSON, naming what stays on the spoke", () => {
    const w = failedWork();
    const deleteOption = { propagationPolicy: "SelectivelyOrphan" as const, selectivelyOrphans: { orphaningRules: [{ group: "", resource: "configmaps", namespace: "default", name: "db-schema" }, { group: "apps", resource: "deployments", namespace: "web", name: "api" }] } };
    const v = workStatusView({ ...w, spec: { ...w.spec, deleteOption } });
    expect(v.work.deleteOption).toEqual(deleteOption);
    expect(renderStatusText(v, { now: NOW, color: false, width: 400 })).toMatch(/Delete option: +SelectivelyOrphan \(these stay on the spoke when the Work is deleted or they are removed from it: configmaps default\/db-schema, deployments\.apps web\/api\)/);
    expect(text(w, 400)).not.toContain("Delete option");
    expect(deleteOptionText({ propagationPolicy: "Orphan" })).toBe("Orphan (every object stays on the spoke when the Work is deleted or it is removed from it)");
    expect(deleteOptionText({ propagationPolicy: "Foreground" })).toBe("Foreground");
  });

  it("is a plain JSON object with stable keys", () => {
    const v = workStatusView(appliedWork());
    expect(Object.keys(v)).toEqual(["work", "conditions", "manifests"]);
    expect(JSON.parse(JSON.stringify(v))).toEqual(v);
    expect(Object.keys(v.manifests[0]!)).toEqual(["identifier", "inSpec", "pending", "conditions", "statusFeedback", "driftDetails", "diffDetails", "updateStrategy"]);
  });
});

describe("renderStatusText", () => {
  it("renders an applied Work: header, conditions table, tree with ✓", () => {
    const out = text(appliedWork());
    expect(out).toBe(
      [
        "Work:        applied",
        "Namespace:   spoke1",
        "Generation:  2",
        "Age:         4d3h  (created 2026-02-25T09:00:00Z)",
        "Manifests:   3 (3 applied)",
        "",
        "Conditions:",
        "  TYPE        STATUS   REASON                AGE   MESSAGE",
        "  Applied     True     AppliedWorkComplete   5m    All 3 manifests applied",
        "  Available   True     AllAvailable          5m    All manifests are available",
        "",
        "Manifests:",
        "├─ [0] v1/ConfigMap default/cm",
        "│    ✓ Applied     True   AppliedManifestComplete   5m   Applied",
        "│    ✓ Available   True   ResourceAvailable         5m",
        "├─ [1] apps/v1/Deployment default/web",
        "│    ✓ Applied     True   AppliedManifestComplete   5m   Applied",
        "│    ✓ Available   True   ResourceAvailable         5m",
        "└─ [2] v1/Namespace team-a",
        "     ✓ Applied     True   AppliedManifestComplete   5m   Applied",
        "     ✓ Available   True   ResourceAvailable         5m",
        "",
      ].join("\n"),
    );
  });

  it("wraps long messages to the width, trims them after three lines, and marks failures and pending manifests", () => {
    const out = text(failedWork(), 100);
    for (const line of out.split("\n")) expect(line.length).toBeLessThanOrEqual(100);
    expect(out).toContain("Manifests:   3 (1 applied, 1 failed, 1 pending)");
    expect(out).toContain(
      [
        "  TYPE       STATUS   REASON              AGE     MESSAGE",
        "  Applied    False    AppliedWorkFailed   2m30s   1 of 3 manifests failed: [1] failed to apply:",
        '                                                  admission webhook "validate.example.com" denied',
        "                                                  the request:…",
        "  Degraded   True     ManifestFailed      2m30s   see manifest 1",
      ].join("\n"),
    );
    expect(out).toContain("├─ [1] apps/v1/Deployment default/web\n│    ✗ Applied   False   AppliedManifestFailed     2m30s   failed to apply: admission webhook\n");
    expect(out).toContain("└─ [2] v1/Namespace team-a\n     … pending: no condition reported yet\n");
    // Three lines per message at most, the last one ending in an ellipsis.
    const lines = out.split("\n");
    const start = lines.findIndex((l) => l.includes("AppliedManifestFailed"));
    expect(lines[start + 2]).toMatch(/…$/);
    expect(lines[start + 3]).toBe("└─ [2] v1/Namespace team-a");
  });

  it("does not wrap when the width is 0", () => {
    const out = text(failedWork(), 0);
    expect(out).toContain(LONG_MESSAGE);
  });

  it("renders Unknown with ? and says when the status is for an older generation", () => {
    const out = text(unknownWork());
    expect(out).toContain("Generation:  5  (status is for generation 4; the agent has not caught up yet)");
    expect(out).toContain("  Applied     Unknown   AgentUnreachable   30s   the agent has not reported for 5m");
    expect(out).toContain("└─ [2] v1/Namespace team-a\n     ? Applied   Unknown   Pending   5s   waiting");
    expect(out).toContain("├─ [0] v1/ConfigMap default/cm\n│    … pending");
    expect(out).toContain("Manifests:   3 (1 unknown, 2 pending)");
  });

  it("renders an empty Work", () => {
    expect(text(emptyWork())).toBe(
      [
        "Work:        empty",
        "Namespace:   spoke1",
        "Generation:  1",
        "Age:         4d3h  (created 2026-02-25T09:00:00Z)",
        "Manifests:   0",
        "",
        "Conditions:",
        "  none reported yet (no agent has processed this Work)",
        "",
        "Manifests:",
        "  none (spec.workload.manifests is empty)",
        "",
      ].join("\n"),
    );
  });

  it("shows a Work being deleted", () => {
    const w = appliedWork();
    w.metadata.deletionTimestamp = new Date(NOW - 20_000).toISOString();
    expect(text(w)).toContain("Deleting:    for 20s (waiting for finalizers)");
  });

  it("colours only when asked, keeping the same layout", () => {
    const plain = text(failedWork(), 100);
    const colored = text(failedWork(), 100, true);
    expect(plain).not.toContain("\u001b[");
    expect(colored).toContain("\u001b[31m✗\u001b[0m");
    expect(colored).toContain("\u001b[32m✓\u001b[0m");
    expect(colored.replace(/\u001b\[\d+m/g, "")).toBe(plain);
  });

  it("renders status feedback values under the manifest's conditions", () => {
    const w = appliedWork();
    (w.status!.manifestConditions![1] as unknown as Record<string, unknown>).statusFeedback = {
      values: [
        { name: "replicas", fieldValue: { type: "Integer", integer: 3 } },
        { name: "image", fieldValue: { type: "String", string: "nginx:1.27" } },
        { name: "ready", value: true },
      ],
    };
    const out = text(w);
    expect(out).toContain(
      "│    ✓ Available   True   ResourceAvailable         5m\n│    feedback: replicas = 3\n│              image    = nginx:1.27\n│              ready    = true\n└─ [2]",
    );
    expect(workStatusView(w).manifests[1]?.statusFeedback).toMatchObject({ values: [{ name: "replicas" }, { name: "image" }, { name: "ready" }] });
  });

  it("never prints control characters from the server", () => {
    const w = failedWork();
    w.status!.conditions![0]!.message = "bad \u001b[2J\u001b[31mthing";
    expect(text(w)).not.toContain("\u001b");
  });
});

describe("helpers", () => {
  it("labels manifests as apiVersion/Kind namespace/name", () => {
    const base = { ordinal: 0, group: "", version: "v1", kind: "ConfigMap", resource: "", namespace: "default", name: "cm" };
    expect(manifestLabel(base)).toBe("v1/ConfigMap default/cm");
    expect(manifestLabel({ ...base, group: "apps", kind: "Deployment" })).toBe("apps/v1/Deployment default/cm");
    expect(manifestLabel({ ...base, namespace: "", kind: "Namespace", name: "x" })).toBe("v1/Namespace x");
    expect(manifestLabel({ ...base, version: "", kind: "", name: "" })).toBe("<unknown kind> default/<unnamed>");
  });

  it("uses ✓ ✗ ? for Applied and Available, inverted for Degraded", () => {
    expect(["True", "False", "Unknown"].map((s) => statusSymbol("Applied", s))).toEqual(["✓", "✗", "?"]);
    expect(["True", "False", "Unknown"].map((s) => statusSymbol("Available", s))).toEqual(["✓", "✗", "?"]);
    expect(statusSymbol("Degraded", "True")).toBe("✗");
    expect(statusSymbol("Progressing", "True")).toBe("·");
  });

  it("reads feedback values of several shapes", () => {
    expect(feedbackEntries(undefined)).toEqual([]);
    expect(feedbackEntries({ values: "nope" })).toEqual([]);
    expect(
      feedbackEntries({
        values: [
          { name: "a", fieldValue: { type: "Boolean", boolean: false } },
          { name: "b", fieldValue: { type: "JsonRaw", jsonRaw: '{"x":1}' } },
          { name: "c", fieldValue: { nested: { x: 1 }, other: 2 } },
          { fieldValue: "s" },
        ],
      }),
    ).toEqual([
      { name: "a", value: "false" },
      { name: "b", value: '{"x":1}' },
      { name: "c", value: '{"nested":{"x":1},"other":2}' },
      { name: "<unnamed>", value: "s" },
    ]);
  });
});

describe("update strategies", () => {
  const withConfigs = (): Parameters<typeof workStatusView>[0] => {
    const w = appliedWork();
    w.spec = {
      ...w.spec,
      manifestConfigs: [
        { resourceIdentifier: { resource: "configmaps", namespace: "default", name: "cm" }, updateStrategy: { type: "ReadOnly" } },
        { resourceIdentifier: { group: "apps", resource: "deployments", namespace: "default", name: "web" }, updateStrategy: { takeOver: "IfNoDiff", serverSideApply: { force: false, ignoreFields: [{ condition: "OnSpokeChange", jsonPaths: [".spec.replicas"] }] } } },
        { resourceIdentifier: { resource: "namespaces", name: "team-a" }, feedbackRules: [{ type: "WellKnownStatus" }] },
      ],
    };
    return w;
  };

  it("-o json: each manifest's updateStrategy with its defaults, null when no item sets one", () => {
    const v = workStatusView(withConfigs());
    expect(v.manifests.map((m) => m.updateStrategy)).toEqual([
      { type: "ReadOnly", takeOver: null, force: null, ignoreFields: [] },
      { type: "ServerSideApply", takeOver: "IfNoDiff", force: false, ignoreFields: [{ condition: "OnSpokeChange", jsonPaths: [".spec.replicas"] }] },
      null,
    ]);
    expect(workStatusView(appliedWork()).manifests.every((m) => m.updateStrategy === null)).toBe(true);
  });

  it("matches by group, namespace and name while the agent has not reported the resource", () => {
    const w = withConfigs();
    delete w.status;
    expect(workStatusView(w).manifests[0]?.updateStrategy?.type).toBe("ReadOnly");
  });

  it("text: a strategy line under the manifest", () => {
    const out = text(withConfigs());
    expect(out).toContain("[0] v1/ConfigMap default/cm\n│    strategy: ReadOnly\n");
    expect(out).toContain("strategy: ServerSideApply, takeOver IfNoDiff, force false, ignoreFields OnSpokeChange .spec.replicas");
    expect(out.match(/strategy:/g)).toHaveLength(2);
    expect(strategyText({ type: "ServerSideApply", takeOver: "Always", force: null, ignoreFields: [] })).toBe("ServerSideApply");
  });
});

describe("drift and diff reports", () => {
  const drifted = (): Work => {
    const w = appliedWork();
    const m = w.status!.manifestConditions![0]!;
    m.driftDetails = { observedTime: new Date(NOW - 120_000).toISOString().replace(/\.\d+Z$/, "Z"), firstDriftedObservedTime: "2026-01-01T00:00:00Z", count: 2, observedDrifts: [{ path: ".data.a", valueInMember: '"x"', valueInHub: '"y"', fieldManager: "kubectl-edit" }, { path: "." }] };
    m.diffDetails = { observedTime: new Date(NOW - 60_000).toISOString().replace(/\.\d+Z$/, "Z"), firstDriftedObservedTime: new Date(NOW - 60_000).toISOString().replace(/\.\d+Z$/, "Z"), count: 1, observedDrifts: [{ path: ".data.b", fieldManager: "kubectl-create" }, { path: ".data.c" }, { path: ".data.d" }, { path: ".data.e" }] };
    return w;
  };

  it("-o json carries driftDetails and diffDetails as the API holds them", () => {
    const v = workStatusView(drifted());
    expect(v.manifests[0]!.driftDetails).toEqual(drifted().status!.manifestConditions![0]!.driftDetails);
    expect(v.manifests[0]!.diffDetails).toMatchObject({ count: 1 });
  });

  it("text: a drift line and a diff line under the manifest, naming paths and managers, never values", () => {
    const out = renderStatusText(workStatusView(drifted()), { now: NOW, color: false, width: 400 });
    expect(out).toContain("drift: reverted 2 times, last 2m ago: .data.a [kubectl-edit], the whole object (deleted)\n");
    expect(out).toContain("diff: differs at .data.b [kubectl-create], .data.c, .data.d, and 1 more (since 60s ago; never written)\n");
    expect(out).not.toContain('"x"');
    expect(renderStatusText(workStatusView(appliedWork()), { now: NOW, color: false, width: 400 })).not.toMatch(/drift:|diff:/);
  });
});
