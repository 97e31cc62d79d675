import { describe, expect, it } from "vitest";
import type { ManifestConfig } from "@work-api/api";
import type { ManifestResult } from "@work-api/apply";
import { nextWorkStatus, statusChanged, statusPatch } from "./status.js";

const T0 = "2026-01-01T00:00:00Z";
const T1 = "2026-01-02T00:00:00Z";
const id = { ordinal: 0, group: "apps", version: "v1", kind: "Deployment", resource: "deployments", namespace: "d", name: "web" };
const config = (feedbackRules: ManifestConfig["feedbackRules"]): ManifestConfig => ({ resourceIdentifier: { group: "apps", resource: "deployments", namespace: "d", name: "web" }, feedbackRules });
const deployment = (ready: number | undefined, cfg?: ManifestConfig): ManifestResult => ({
  ordinal: 0,
  identifier: id,
  action: "unchanged",
  message: "",
  live: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", generation: 1 }, spec: { replicas: 2 }, status: { observedGeneration: 1, replicas: 2, ...(ready !== undefined ? { readyReplicas: ready, availableReplicas: ready } : {}), updatedReplicas: 2 } },
  ...(cfg ? { config: cfg } : {}),
});
const synced = (s: ReturnType<typeof nextWorkStatus>) => s.manifestConditions?.[0]?.conditions.find((c) => c.type === "StatusFeedbackSynced");

describe("statusFeedback in the Work status", () => {
  it("reports WellKnownStatus values of a Deployment and StatusFeedbackSynced=True", () => {
    const s = nextWorkStatus([deployment(1, config([{ type: "WellKnownStatus" }]))], undefined, 1, T0);
    expect(s.manifestConditions?.[0]?.statusFeedback).toEqual({
      values: [
        { name: "replicas", fieldValue: { type: "Integer", integer: 2 } },
        { name: "readyReplicas", fieldValue: { type: "Integer", integer: 1 } },
        { name: "availableReplicas", fieldValue: { type: "Integer", integer: 1 } },
        { name: "updatedReplicas", fieldValue: { type: "Integer", integer: 2 } },
      ],
    });
    expect(synced(s)).toMatchObject({ status: "True", reason: "StatusFeedbackSynced", message: "4 values read", observedGeneration: 1 });
  });

  it("says which rule and path failed, and still reports the values that were read", () => {
    const s = nextWorkStatus([deployment(2, config([{ type: "JSONPaths", jsonPaths: [{ name: "ready", path: ".readyReplicas" }, { name: "broken", path: ".conditions[?(@.type==" }] }]))], undefined, 1, T0);
    expect(s.manifestConditions?.[0]?.statusFeedback?.values).toEqual([{ name: "ready", fieldValue: { type: "Integer", integer: 2 } }]);
    expect(synced(s)).toMatchObject({ status: "False", reason: "StatusFeedbackFailed" });
    expect(synced(s)?.message).toMatch(/^1 value not read: broken \(\.conditions\[\?\(@\.type==\): the path does not parse/);
    // The Work's own conditions are not changed by a feedback failure.
    expect(s.conditions?.find((c) => c.type === "Available")?.status).toBe("True");
  });

  it("reports nothing, and no condition, for a manifest without feedback rules (a Work without extensions is unchanged)", () => {
    const s = nextWorkStatus([deployment(2)], undefined, 1, T0);
    expect(s.manifestConditions?.[0]?.statusFeedback).toBeUndefined();
    expect(synced(s)).toBeUndefined();
    expect(s.manifestConditions?.[0]?.conditions.map((c) => c.type)).toEqual(["Applied", "Available", "Progressing", "Degraded"]);
  });

  it("is Unknown without values when there is no live object", () => {
    const r: ManifestResult = { ordinal: 0, identifier: id, action: "failed", reason: "ApplyFailed", message: "boom", config: config([{ type: "WellKnownStatus" }]) };
    const s = nextWorkStatus([r], undefined, 1, T0);
    expect(s.manifestConditions?.[0]?.statusFeedback).toBeUndefined();
    expect(synced(s)).toMatchObject({ status: "Unknown", reason: "ObjectNotFound" });
  });

  it("writes the status only when a value changed", () => {
    const cfg = config([{ type: "WellKnownStatus" }]);
    const a = nextWorkStatus([deployment(1, cfg)], undefined, 1, T0);
    const same = nextWorkStatus([deployment(1, cfg)], a, 1, T1);
    expect(statusChanged(a, same)).toBe(false);
    expect(statusPatch(a, same)).toBeUndefined();
    const more = nextWorkStatus([deployment(2, cfg)], a, 1, T1);
    expect(statusChanged(a, more)).toBe(true);
    expect(statusPatch(a, more)?.manifestConditions?.[0]?.statusFeedback?.values?.find((v) => v.name === "readyReplicas")).toEqual({ name: "readyReplicas", fieldValue: { type: "Integer", integer: 2 } });
  });

  it("drops the values and the condition when the rules are removed", () => {
    const a = nextWorkStatus([deployment(1, config([{ type: "WellKnownStatus" }]))], undefined, 1, T0);
    const b = nextWorkStatus([deployment(1)], a, 2, T1);
    expect(b.manifestConditions?.[0]?.statusFeedback).toBeUndefined();
    expect(synced(b)).toBeUndefined();
  });
});
