import { describe, expect, it } from "vitest";
import type { KubeObject } from "@work-api/api";
import { appliedWork, cond, emptyWork, failedWork, LONG_MESSAGE, NOW, unknownWork, work } from "./fixtures.test-util.js";
import { FAILING_WIDTH, failingCell, hasStale, renderGetText, workListView, workRow, type FailingManifest } from "./get.js";

const text = (works: Parameters<typeof workListView>[0], o: { allNamespaces?: boolean; wide?: boolean; color?: boolean } = {}): string =>
  renderGetText(workListView(works), { now: NOW, color: o.color ?? false, allNamespaces: o.allNamespaces ?? false, wide: o.wide ?? false });

const cms = (n: number): KubeObject[] => Array.from({ length: n }, (_, i) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `cm${i}`, namespace: "default" } }));

/** A Work of 4 ConfigMaps: 0 and 2 applied, 1 and 3 failing with the given reasons. */
function twoFailing(reason1: string, reason3: string): ReturnType<typeof work> {
  const ok = (i: number) => ({ identifier: { ordinal: i, version: "v1", kind: "ConfigMap", namespace: "default", name: `cm${i}` }, conditions: [cond("Applied", "True", "AppliedManifestComplete", "")] });
  const bad = (i: number, reason: string) => ({ identifier: { ordinal: i, version: "v1", kind: "ConfigMap", namespace: "default", name: `cm${i}` }, conditions: [cond("Applied", "False", reason, `manifest ${i}: no`)] });
  return work("four", "spoke2", 1, { conditions: [cond("Applied", "False", "AppliedWorkFailed", "2 of 4 failed", 60, 1)], manifestConditions: [ok(0), bad(1, reason1), ok(2), bad(3, reason3)] }, cms(4));
}

describe("workRow", () => {
  it("summarises the conditions, the manifests and every failing one", () => {
    const r = workRow(failedWork());
    expect(r).toMatchObject({
      namespace: "spoke1",
      name: "failed",
      generation: 3,
      observedGeneration: 3,
      applied: "False",
      available: null,
      degraded: "True",
      progressing: null,
      staleConditions: [],
      manifests: { total: 3, applied: 1, failed: 1, pending: 1 },
    });
    expect(r.failing).toEqual([
      { ordinal: 1, group: "apps", version: "v1", kind: "Deployment", namespace: "default", name: "web", condition: "Applied", reason: "AppliedManifestFailed", message: LONG_MESSAGE },
    ]);
  });

  it("counts a manifest Degraded=True as failing, and marks conditions of an older generation", () => {
    const degraded = work("d", "ns", 2, {
      conditions: [cond("Applied", "True", "AppliedWorkComplete", "", 1, 1), cond("Available", "True", "x", "", 1, 2)],
      manifestConditions: [{ identifier: { ordinal: 0 }, conditions: [cond("Applied", "True", "ok", ""), cond("Degraded", "True", "Stalled", "stuck")] }],
    }, cms(1));
    const r = workRow(degraded);
    expect(r.staleConditions).toEqual(["Applied"]);
    expect(r.failing).toEqual([expect.objectContaining({ ordinal: 0, kind: "ConfigMap", name: "cm0", condition: "Degraded", reason: "Stalled" })]);
    expect(r.manifests).toEqual({ total: 1, applied: 1, failed: 1, pending: 0 });
  });
});

describe("the FAILING cell", () => {
  const f = (ordinal: number, kind: string, name: string, reason: string): FailingManifest => ({ ordinal, group: "", version: "v1", kind, namespace: "", name, condition: "Applied", reason, message: "" });

  it("is `ordinal kind/name: reason` of the first, with the number of others", () => {
    expect(failingCell([], FAILING_WIDTH)).toBe("-");
    expect(failingCell([f(1, "ConfigMap", "cm1", "ApplyConflict")], FAILING_WIDTH)).toBe("1 ConfigMap/cm1: ApplyConflict");
    expect(failingCell([f(1, "ConfigMap", "cm1", "ApplyConflict"), f(3, "Secret", "s", "Forbidden"), f(4, "", "", "")], FAILING_WIDTH)).toBe("1 ConfigMap/cm1: ApplyConflict (+2 more)");
  });

  it("cuts a long one with an ellipsis, keeping the count, and lists every one in full when wide", () => {
    const long = f(12, "CustomResourceDefinition", "x".repeat(80) + ".example.com", "KindNotFound");
    const cell = failingCell([long, f(13, "ConfigMap", "b", "Forbidden")], FAILING_WIDTH);
    expect(cell).toHaveLength(FAILING_WIDTH);
    expect(cell).toMatch(/^12 CustomResourceDefinition\/x+… \(\+1 more\)$/);
    expect(failingCell([long, f(13, "ConfigMap", "b", "Forbidden"), f(14, "", "", "")], 0)).toBe(
      `12 CustomResourceDefinition/${"x".repeat(80)}.example.com: KindNotFound, 13 ConfigMap/b: Forbidden, 14 <unknown kind>/<unnamed>: Applied=False`,
    );
  });

  it("drops control characters and newlines of server-provided names and reasons", () => {
    expect(failingCell([f(0, "Config\u001b[31mMap", "a\nb", "Bad\treason")], FAILING_WIDTH)).toBe("0 Config[31mMap/a b: Bad reason");
  });
});

describe("renderGetText", () => {
  it("prints a kubectl-style table, sorted by name, with the failing manifest named", () => {
    const out = text([unknownWork("cache"), failedWork("db"), appliedWork("web"), emptyWork("empty")]);
    const lines = out.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^NAME +APPLIED +AVAILABLE +DEGRADED +MANIFESTS +FAILING +AGE$/);
    expect(lines.slice(1).map((l) => l.split(/ {3,}/))).toEqual([
      ["cache", "Unknown*", "Unknown*", "-", "0/3 applied", "-", "4d3h"],
      ["db", "False", "-", "True", "1/3 applied", "1 Deployment/web: AppliedManifestFailed", "4d3h"],
      ["empty", "-", "-", "-", "0/0 applied", "-", "4d3h"],
      ["web", "True", "True", "-", "3/3 applied", "-", "4d3h"],
    ]);
    // Columns line up: every row is as long as its cells padded to the header's columns.
    const col = lines[0]!.indexOf("FAILING");
    for (const l of lines.slice(1)) expect(l.slice(col - 3, col)).toBe("   ");
    expect(out).not.toContain("\u001b[");
  });

  it("adds a NAMESPACE column with -A, sorted by namespace then name", () => {
    const lines = text([appliedWork("web", "spoke2"), failedWork("db", "spoke1"), appliedWork("web", "spoke1")], { allNamespaces: true }).trimEnd().split("\n");
    expect(lines[0]).toMatch(/^NAMESPACE +NAME +APPLIED +AVAILABLE +DEGRADED +MANIFESTS +FAILING +AGE$/);
    expect(lines.slice(1).map((l) => l.split(/ +/).slice(0, 2))).toEqual([
      ["spoke1", "db"],
      ["spoke1", "web"],
      ["spoke2", "web"],
    ]);
  });

  it("truncates FAILING to its width, and -o wide shows them all with PROGRESSING and GENERATION", () => {
    const w = twoFailing("ApplyConflict" + "X".repeat(60), "KindNotFound");
    const normal = text([w]).trimEnd().split("\n");
    expect(normal[1]).toContain("2/4 applied   1 ConfigMap/cm1: ApplyConflictXXX");
    expect(normal[1]).toMatch(/… \(\+1 more\) {3}\d/);
    const wide = text([w, unknownWork("old", "spoke2")], { wide: true }).trimEnd().split("\n");
    expect(wide[0]).toMatch(/^NAME +APPLIED +AVAILABLE +DEGRADED +MANIFESTS +FAILING +AGE +PROGRESSING +GENERATION$/);
    expect(wide[1]).toContain(`1 ConfigMap/cm1: ApplyConflict${"X".repeat(60)}, 3 ConfigMap/cm3: KindNotFound`);
    expect(wide[1]).toMatch(/ {3}- +1$/);
    expect(wide[2]).toMatch(/ {3}5 \(status: 4\)$/);
  });

  it("colours statuses on a terminal and says when status is stale", () => {
    const out = text([failedWork(), appliedWork(), unknownWork()], { color: true });
    expect(out).toContain("\u001b[31mFalse");
    expect(out).toContain("\u001b[32mTrue");
    expect(out).toContain("\u001b[33mUnknown*");
    expect(hasStale(workListView([failedWork(), appliedWork()]))).toBe(false);
    expect(hasStale(workListView([unknownWork()]))).toBe(true);
  });

  it("marks a Work being deleted in its AGE", () => {
    const w = appliedWork("going");
    w.metadata.deletionTimestamp = new Date(NOW - 5_000).toISOString();
    expect(text([w])).toMatch(/ 4d3h \(deleting\)\n$/);
  });
});
