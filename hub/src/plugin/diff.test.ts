import { describe, expect, it } from "vitest";
import type { KubeObject, Work } from "@work-api/api";
import { renderLiveDiff, renderManifestDiff, renderReportedDiff } from "./diff.js";

const live = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "d", resourceVersion: "5", managedFields: [{ manager: "m" }] }, data: { a: "1", b: "2" } };

describe("renderManifestDiff", () => {
  it("is empty when only resourceVersion, generation and managedFields differ", () => {
    const merged = { ...live, metadata: { ...live.metadata, resourceVersion: "6", generation: 2, managedFields: [{ manager: "x" }] } };
    expect(renderManifestDiff({ ordinal: 0, label: "manifest 0 (ConfigMap d/c)", path: "ConfigMap/d/c", live, merged })).toBe("");
  });

  it("prints a unified diff from live/ to work/, with a removed and an added key", () => {
    const merged = { ...live, data: { a: "1", c: "3" } };
    const out = renderManifestDiff({ ordinal: 0, label: "manifest 0 (ConfigMap d/c)", path: "ConfigMap/d/c", live, merged });
    expect(out.split("\n").slice(0, 3)).toEqual(["# manifest 0 (ConfigMap d/c)", "--- live/ConfigMap/d/c", "+++ work/ConfigMap/d/c"]);
    expect(out).toContain("\n-  b: \"2\"\n+  c: \"3\"\n");
    expect(out).not.toContain("Index:");
  });

  it("diffs a new object against /dev/null", () => {
    const out = renderManifestDiff({ ordinal: 1, label: "manifest 1 (ConfigMap d/c)", path: "ConfigMap/d/c", live: undefined, merged: live, note: "no AppliedWork" });
    expect(out).toMatch(/^# manifest 1 \(ConfigMap d\/c\) \(no AppliedWork\)\n--- \/dev\/null\n\+\+\+ work\/ConfigMap\/d\/c\n/);
  });
});

describe("Secrets", () => {
  it("are masked as kubectl diff masks them: equal values ***, changed ones *** (before) / *** (after)", () => {
    const secret = (data: Record<string, string>): KubeObject => ({ apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: "d" }, data });
    const out = renderManifestDiff({ ordinal: 0, label: "manifest 0 (Secret d/s)", path: "Secret/d/s", live: secret({ same: "c2FtZQ==", pw: "b2xk" }), merged: secret({ same: "c2FtZQ==", pw: "bmV3" }) });
    expect(out).toContain('-  pw: "*** (before)"\n+  pw: "*** (after)"\n   same: "***"\n');
    expect(out).not.toMatch(/b2xk|bmV3|c2FtZQ/);
    expect(renderManifestDiff({ ordinal: 0, label: "l", path: "p", live: secret({ a: "eA==" }), merged: secret({ a: "eA==" }) })).toBe("");
  });
});

describe("renderLiveDiff", () => {
  it("collects errors apart and says whether anything differs", () => {
    const r = renderLiveDiff([
      { ordinal: 0, label: "manifest 0", path: "ConfigMap/d/c", live, merged: live },
      { ordinal: 1, label: "manifest 1 (Gizmo g)", error: "no kind Gizmo" },
    ]);
    expect(r).toEqual({ text: "", errors: ["manifest 1 (Gizmo g): no kind Gizmo"], differs: false });
  });
});

describe("renderReportedDiff", () => {
  const details = { observedTime: "2026-01-02T00:00:00Z", firstDriftedObservedTime: "2026-01-01T00:00:00Z", count: 2, observedDrifts: [{ path: ".data.x", valueInMember: '"s"', valueInHub: '"h"', fieldManager: "kubectl-edit" }, { path: "." }] };
  const work = (m: object): Work => ({ apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "Work", metadata: { name: "w", namespace: "c" }, spec: {}, status: { manifestConditions: [{ identifier: { ordinal: 0, kind: "ConfigMap", namespace: "d", name: "x" }, conditions: [], ...m }] } });

  it("differs when a ReportDiff manifest reports differences, with paths, values and managers", () => {
    const r = renderReportedDiff(work({ diffDetails: details }));
    expect(r.differs).toBe(true);
    expect(r.text).toContain("# manifest 0 (ConfigMap d/x)\n  differs (ReportDiff, never written): 2 times, last 2026-01-02T00:00:00Z (first 2026-01-01T00:00:00Z)\n    .data.x [kubectl-edit]: spoke \"s\", work \"h\"\n    .\n");
  });

  it("reverted drift is history: shown, but the spoke matches (exit 0)", () => {
    const r = renderReportedDiff(work({ driftDetails: details }));
    expect(r.differs).toBe(false);
    expect(r.text).toContain("  drift reverted by the agent: 2 times");
    expect(renderReportedDiff(work({})).text).toContain("# No differences or drift reported.\n");
  });
});
