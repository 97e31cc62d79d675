import { describe, expect, it } from "vitest";
import { StatusBounds, type ManifestCondition, type ObservedDrift } from "@work-api/api";
import type { ManifestResult } from "@work-api/apply";
import { cutBytes, driftEventMessage, driftStatus } from "./status-drift.js";
import { nextWorkStatus, statusPatch } from "./status.js";

const T0 = "2026-01-01T00:00:00Z";
const T1 = "2026-01-02T00:00:00Z";
const T2 = "2026-01-03T00:00:00Z";
const id = { ordinal: 0, group: "", version: "v1", kind: "ConfigMap", resource: "configmaps", namespace: "d", name: "cm" };
const live = { metadata: { name: "cm", namespace: "d", generation: 1 } };
const edit: ObservedDrift = { path: ".data.key", valueInMember: '"theirs"', valueInHub: '"ours"', fieldManager: "someone" };

const steady: ManifestResult = { ordinal: 0, identifier: id, action: "unchanged", message: "", live };
const reverted = (differences: ObservedDrift[] = [edit]): ManifestResult => ({ ...steady, action: "configured", drift: "modified", differences });
const reportDiff = (differences: ObservedDrift[] | undefined, action: ManifestResult["action"] = "unchanged"): ManifestResult => ({
  ...steady,
  action,
  config: { resourceIdentifier: { group: "", resource: "configmaps", namespace: "d", name: "cm" }, updateStrategy: { type: "ReportDiff" } },
  ...(differences ? { differences } : {}),
});
const prev = (fields: Partial<ManifestCondition>): ManifestCondition => ({ identifier: id, conditions: [], ...fields });

describe("driftDetails", () => {
  it("records a reverted change: the path, both values and the manager, observed now", () => {
    expect(driftStatus(reverted(), undefined, T0)).toEqual({ driftDetails: { observedTime: T0, firstDriftedObservedTime: T0, count: 1, observedDrifts: [edit] } });
  });

  it("counts a second revert and keeps when drift was first seen", () => {
    const first = driftStatus(reverted(), undefined, T0);
    const other: ObservedDrift = { path: ".data.other", valueInMember: '"x"', valueInHub: '"y"', fieldManager: "kubectl-edit" };
    const second = driftStatus(reverted([other]), prev(first), T1);
    expect(second.driftDetails).toEqual({ observedTime: T1, firstDriftedObservedTime: T0, count: 2, observedDrifts: [other] });
  });

  it("keeps the last revert as it was while the object stays in sync (nothing new to say)", () => {
    const first = driftStatus(reverted(), undefined, T0);
    expect(driftStatus(steady, prev(first), T2)).toEqual(first);
    expect(driftStatus({ ...steady, action: "failed", reason: "ApplyConflict" }, prev(first), T2)).toEqual(first);
  });

  it("says nothing for an object that never drifted", () => {
    expect(driftStatus(steady, undefined, T0)).toEqual({});
    expect(driftStatus({ ...steady, action: "configured" }, undefined, T0)).toEqual({});
  });

  it("records an object deleted on the spoke and re-created as the whole object ('.') missing", () => {
    const d = driftStatus({ ...steady, action: "created", drift: "deleted" }, undefined, T0).driftDetails;
    expect(d).toEqual({ observedTime: T0, firstDriftedObservedTime: T0, count: 1, observedDrifts: [{ path: "." }] });
  });

  it("bounds what it records: at most maxObservedDrifts paths, values and names cut to the schema's lengths", () => {
    const many = Array.from({ length: StatusBounds.maxObservedDrifts + 5 }, (_, i) => ({ ...edit, path: `.data.k${i}` }));
    expect(driftStatus(reverted(many), undefined, T0).driftDetails?.observedDrifts).toHaveLength(StatusBounds.maxObservedDrifts);
    const huge: ObservedDrift = { path: `.data.${"p".repeat(2000)}`, valueInMember: "v".repeat(5000), valueInHub: "w".repeat(5000), fieldManager: "m".repeat(1000) };
    const [d] = driftStatus(reverted([huge]), undefined, T0).driftDetails!.observedDrifts;
    expect(d!.path.length).toBeLessThanOrEqual(512);
    expect(Buffer.byteLength(d!.valueInMember!)).toBeLessThanOrEqual(StatusBounds.maxDriftValueBytes);
    expect(Buffer.byteLength(d!.valueInHub!)).toBeLessThanOrEqual(StatusBounds.maxDriftValueBytes);
    expect(d!.fieldManager!.length).toBeLessThanOrEqual(256);
  });

  it("writes times without fractions, as the API does, and uses the clock when no time is given", () => {
    expect(driftStatus(reverted(), undefined, "2026-01-01T00:00:00.123Z").driftDetails?.observedTime).toBe(T0);
    const t = driftStatus(reverted(), undefined, undefined).driftDetails?.observedTime;
    expect(t).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });
});

describe("what reaches the hub", () => {
  it("never copies a Secret's values: paths and managers only", () => {
    const secret = { ...reverted(), identifier: { ...id, kind: "Secret", resource: "secrets" } };
    expect(driftStatus(secret, undefined, T0).driftDetails?.observedDrifts).toEqual([{ path: ".data.key", fieldManager: "someone" }]);
  });

  it("cuts a value on a character boundary", () => {
    const wide = "é".repeat(400);
    const cut = cutBytes(wide, 256);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(256);
    expect(cut.endsWith("…")).toBe(true);
    expect(cut.slice(0, -1)).toBe("é".repeat(cut.length - 1));
    expect(cutBytes("short", 256)).toBe("short");
  });
});

describe("diffDetails (ReportDiff)", () => {
  it("reports the differences of a ReportDiff manifest", () => {
    expect(driftStatus(reportDiff([edit]), undefined, T0)).toEqual({ diffDetails: { observedTime: T0, firstDriftedObservedTime: T0, count: 1, observedDrifts: [edit] } });
  });

  it("leaves the report as it is while the differences stay the same", () => {
    const first = driftStatus(reportDiff([edit]), undefined, T0);
    expect(driftStatus(reportDiff([{ ...edit }]), prev(first), T1)).toEqual(first);
  });

  it("counts a change of the differences and keeps when they first appeared", () => {
    const first = driftStatus(reportDiff([edit]), undefined, T0);
    const changed = { ...edit, valueInMember: '"newer"' };
    expect(driftStatus(reportDiff([changed]), prev(first), T1).diffDetails).toEqual({ observedTime: T1, firstDriftedObservedTime: T0, count: 2, observedDrifts: [changed] });
  });

  it("clears the report when the live object matches, and starts afresh after", () => {
    const first = driftStatus(reportDiff([edit]), undefined, T0);
    expect(driftStatus(reportDiff([]), prev(first), T1)).toEqual({});
    expect(driftStatus(reportDiff(undefined), prev(first), T1)).toEqual({});
    expect(driftStatus(reportDiff([edit]), prev({}), T2).diffDetails).toMatchObject({ firstDriftedObservedTime: T2, count: 1 });
  });

  it("keeps the last report when the spoke could not be read (a failed result)", () => {
    const first = driftStatus(reportDiff([edit]), undefined, T0);
    expect(driftStatus(reportDiff(undefined, "failed"), prev(first), T1)).toEqual(first);
  });

  it("is absent for a manifest that is not ReportDiff, whatever its result carries", () => {
    expect(driftStatus({ ...steady, differences: [edit] }, undefined, T0)).toEqual({});
    const ssa = { ...reportDiff([edit]), config: { resourceIdentifier: { resource: "configmaps", name: "cm" }, updateStrategy: { type: "ServerSideApply" as const } } };
    expect(driftStatus(ssa, undefined, T0)).toEqual({});
  });
});

describe("status writes", () => {
  it("a steady object after a drift gives an equal status: no patch", () => {
    const after = nextWorkStatus([reverted()], undefined, 1, T0);
    expect(after.manifestConditions?.[0]?.driftDetails?.count).toBe(1);
    const steadyNext = nextWorkStatus([steady], after, 1, T1);
    expect(steadyNext.manifestConditions?.[0]?.driftDetails).toEqual(after.manifestConditions?.[0]?.driftDetails);
    // The revert changed nothing the conditions say; the steady reconcile changes nothing at all.
    expect(statusPatch(after, steadyNext)).toBeUndefined();
  });

  it("a revert on an otherwise unchanged status is written (the drift is news)", () => {
    const before = nextWorkStatus([steady], undefined, 1, T0);
    const after = nextWorkStatus([reverted()], before, 1, T1);
    expect(statusPatch(before, after)?.manifestConditions?.[0]?.driftDetails).toMatchObject({ count: 1, observedDrifts: [edit] });
  });

  it("an unchanged ReportDiff report gives no patch", () => {
    const a = nextWorkStatus([reportDiff([edit])], undefined, 1, T0);
    const b = nextWorkStatus([reportDiff([edit])], a, 1, T1);
    expect(statusPatch(a, b)).toBeUndefined();
  });
});

describe("the DriftReverted event", () => {
  it("names each reverted path and the manager that changed it, never the values", () => {
    const other: ObservedDrift = { path: ".data.b", valueInMember: '"secret-ish"', valueInHub: '"x"' };
    const msg = driftEventMessage([steady, reverted([edit, other]), { ...steady, ordinal: 1, action: "created", drift: "deleted" }]);
    expect(msg).toBe("Drift reverted on the spoke: manifest 0 (ConfigMap d/cm): reverted .data.key (by someone), .data.b (by an unknown manager); manifest 1 (ConfigMap d/cm): deleted on the spoke, re-created");
    expect(msg).not.toContain("theirs");
  });

  it("is absent when nothing drifted", () => {
    expect(driftEventMessage([steady, { ...steady, action: "configured" }])).toBeUndefined();
  });
});
