/**
 * The agent's side of updateStrategy: the status of manifests that were not
 * written, the inventory of absent ReadOnly objects, which objects get a
 * watch of their own, and the read-only record that keeps prune away.
 */
import { describe, expect, it } from "vitest";
import type { ManifestResult } from "@work-api/apply";
import { nextWorkStatus } from "./status.js";
import { planInventory } from "./inventory.js";
import { WorkObjectWatches, watchedObjects } from "./object-watches.js";
import { encodeReadOnly, nextReadOnly, readOnlyKeys } from "./read-only.js";
import { READ_ONLY_ANNOTATION } from "./labels.js";

const T0 = "2026-01-01T00:00:00Z";
const id = (name: string) => ({ ordinal: 0, group: "", version: "v1", kind: "ConfigMap", resource: "configmaps", namespace: "d", name });
const cfg = (name: string, type: "ReadOnly" | "ReportDiff" | "CreateOnly" | "ServerSideApply") => ({ resourceIdentifier: { resource: "configmaps", namespace: "d", name }, updateStrategy: { type } });
const condition = (r: ManifestResult, type: string) => nextWorkStatus([r], undefined, 1, T0).manifestConditions?.[0]?.conditions.find((c) => c.type === type);

describe("status of a manifest that was not written", () => {
  it("a ReadOnly object not on the spoke: Applied=True ReadOnly, Available=False ObjectNotFound, and the Work not available", () => {
    const r: ManifestResult = { ordinal: 0, identifier: id("x"), action: "unchanged", reason: "ReadOnly", message: "manifest 0 (ConfigMap d/x): read only: not on the spoke", absent: true, config: cfg("x", "ReadOnly") };
    expect(condition(r, "Applied")).toMatchObject({ status: "True", reason: "ReadOnly", message: r.message });
    expect(condition(r, "Available")).toMatchObject({ status: "False", reason: "ObjectNotFound", message: r.message });
    const work = nextWorkStatus([r], undefined, 1, T0);
    expect(work.conditions?.find((c) => c.type === "Available")?.status).toBe("False");
    expect(work.conditions?.find((c) => c.type === "Applied")?.status).toBe("True");
  });

  it("a ReadOnly object on the spoke: Available from the live object", () => {
    const r: ManifestResult = { ordinal: 0, identifier: id("x"), action: "unchanged", reason: "ReadOnly", message: "read only", live: { metadata: { name: "x" } } };
    expect(condition(r, "Applied")).toMatchObject({ status: "True", reason: "ReadOnly" });
    expect(condition(r, "Available")?.status).toBe("True");
  });

  it("an ordinary apply keeps its reason and message", () => {
    const r: ManifestResult = { ordinal: 0, identifier: id("x"), action: "configured", message: "manifest 0: configured", live: { metadata: { name: "x" } } };
    expect(condition(r, "Applied")).toMatchObject({ status: "True", reason: "AppliedManifestComplete", message: "Apply succeeded" });
  });
});

describe("inventory of an object only looked at", () => {
  it("keeps the entry of a ReadOnly object that is not on the spoke (no prune, no re-add loop)", () => {
    const entry = { ordinal: 0, group: "", version: "v1", kind: "ConfigMap", resource: "", namespace: "d", name: "x" };
    const p = planInventory([entry], [{ ordinal: 0, identifier: id("x"), action: "unchanged", message: "", absent: true }]);
    expect(p.prune).toEqual([]);
    expect(p.kept).toEqual([entry]);
  });
});

describe("watchedObjects", () => {
  const LABEL = "work.multicluster.x-k8s.io/agent-abc";
  it("watches ReadOnly, ReportDiff, CreateOnly and not-taken-over objects the agent did not label", () => {
    const results: ManifestResult[] = [
      { ordinal: 0, identifier: id("ro"), action: "unchanged", message: "", absent: true, config: cfg("ro", "ReadOnly") },
      { ordinal: 1, identifier: { ...id("rd"), ordinal: 1 }, action: "unchanged", message: "", live: { metadata: {} }, config: cfg("rd", "ReportDiff") },
      { ordinal: 2, identifier: { ...id("co"), ordinal: 2 }, action: "unchanged", message: "", live: { metadata: { labels: { [LABEL]: "" } } }, config: cfg("co", "CreateOnly") },
      { ordinal: 3, identifier: { ...id("nt"), ordinal: 3 }, action: "failed", reason: "NotTakenOver", message: "", live: { metadata: {} } },
      { ordinal: 4, identifier: { ...id("ssa"), ordinal: 4 }, action: "created", message: "", live: { metadata: {} } },
      { ordinal: 5, identifier: { ordinal: 5, kind: "Widget", name: "w" }, action: "failed", reason: "KindNotFound", message: "", config: cfg("w", "ReadOnly") },
    ];
    const w = watchedObjects(results, LABEL);
    expect(w.map((o) => o.name)).toEqual(["ro", "rd", "nt"]);
    expect(w[0]).toEqual({ mapping: { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: true }, namespace: "d", name: "ro" });
  });
});

describe("WorkObjectWatches", () => {
  it("watches an object once for all Works, stops when the last lets go, and names the Works that watch it", () => {
    const started: string[] = [];
    const stopped: string[] = [];
    const watches = new WorkObjectWatches((_m, ns, name) => {
      started.push(`${ns}/${name}`);
      return () => stopped.push(`${ns}/${name}`);
    });
    const o = (name: string) => ({ mapping: { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: true }, namespace: "d", name });
    watches.set("a", [o("x"), o("y")]);
    watches.set("a", [o("x"), o("y")]);
    expect(started).toEqual(["d/x", "d/y"]);
    watches.set("b", [o("x")]);
    expect(watches.worksOf({ group: "", kind: "ConfigMap", namespace: "d", name: "x" }).sort()).toEqual(["a", "b"]);
    watches.set("a", [o("x")]);
    expect(stopped).toEqual(["d/y"]);
    expect(watches.worksOf({ group: "", kind: "ConfigMap", namespace: "d", name: "y" })).toEqual([]);
    watches.set("a", []);
    watches.set("b", []);
    expect(stopped).toEqual(["d/y", "d/x", "d/x"]);
    expect(watches.worksOf({ group: "", kind: "ConfigMap", namespace: "d", name: "x" })).toEqual([]);
  });
});

describe("read-only record", () => {
  it("lists the ReadOnly and ReportDiff objects; keeps an earlier one whose manifest failed before its strategy was known", () => {
    const before = new Set(["/ConfigMap/d/gone-kind"]);
    const keys = nextReadOnly(
      [
        { ordinal: 0, identifier: id("ro"), action: "unchanged", message: "", config: cfg("ro", "ReadOnly") },
        { ordinal: 1, identifier: id("rd"), action: "unchanged", message: "", config: cfg("rd", "ReportDiff") },
        { ordinal: 2, identifier: id("co"), action: "created", message: "", config: cfg("co", "CreateOnly") },
        { ordinal: 3, identifier: { ordinal: 3, group: "", kind: "ConfigMap", namespace: "d", name: "gone-kind" }, action: "failed", reason: "KindNotFound", message: "" },
      ],
      before,
    );
    expect(keys).toEqual(["/ConfigMap/d/gone-kind", "/ConfigMap/d/rd", "/ConfigMap/d/ro"]);
    const aw = { metadata: { annotations: { [READ_ONLY_ANNOTATION]: encodeReadOnly(keys)! } } };
    expect([...readOnlyKeys(aw)]).toEqual(keys);
    expect(encodeReadOnly([])).toBeNull();
    expect(readOnlyKeys({ metadata: { annotations: { [READ_ONLY_ANNOTATION]: "not json" } } }).size).toBe(0);
  });
});
