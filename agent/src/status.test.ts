import { describe, expect, it } from "vitest";
import type { ManifestResult } from "@work-api/apply";
import { nextWorkStatus, sameIdentifier, statusChanged } from "./status.js";

const id = (ordinal: number, kind = "ConfigMap", name = `m${ordinal}`) => ({ ordinal, group: "", version: "v1", kind, resource: "configmaps", namespace: "d", name });
const ok = (ordinal: number): ManifestResult => ({ ordinal, identifier: id(ordinal), action: "created", message: "", live: { metadata: { name: `m${ordinal}`, generation: 1 } } });
const bad = (ordinal: number): ManifestResult => ({ ordinal, identifier: { ordinal }, action: "failed", reason: "ManifestInvalid", message: `manifest ${ordinal}: missing kind` });
const T0 = "2026-01-01T00:00:00Z";
const T1 = "2026-01-02T00:00:00Z";

describe("nextWorkStatus", () => {
  it("marks every manifest and the Work applied and available", () => {
    const s = nextWorkStatus([ok(0), ok(1)], undefined, 3, T0);
    expect(s.conditions?.find((c) => c.type === "Applied")).toMatchObject({ status: "True", reason: "AppliedWorkComplete", message: "2 of 2 manifests applied", observedGeneration: 3 });
    expect(s.conditions?.find((c) => c.type === "Available")?.status).toBe("True");
    expect(s.manifestConditions?.[1]?.conditions.find((c) => c.type === "Applied")).toMatchObject({ status: "True", reason: "AppliedManifestComplete", observedGeneration: 1 });
  });

  it("fails the Work when one manifest fails, naming it", () => {
    const s = nextWorkStatus([ok(0), bad(1)], undefined, 1, T0);
    const applied = s.conditions?.find((c) => c.type === "Applied");
    expect(applied).toMatchObject({ status: "False", reason: "AppliedWorkFailed" });
    expect(applied?.message).toBe("1 of 2 manifests failed to apply: manifest 1: missing kind");
    expect(s.manifestConditions?.[1]?.conditions.find((c) => c.type === "Applied")).toMatchObject({ status: "False", reason: "ManifestInvalid", message: "manifest 1: missing kind" });
    expect(s.conditions?.find((c) => c.type === "Available")?.status).toBe("Unknown");
  });

  it("reports a Deployment that is rolling out as progressing and not available", () => {
    const rolling: ManifestResult = { ordinal: 0, identifier: { ...id(0, "Deployment"), group: "apps" }, action: "configured", message: "", live: { metadata: { generation: 2 }, spec: { replicas: 2 }, status: { observedGeneration: 2, updatedReplicas: 1, availableReplicas: 1 } } };
    const s = nextWorkStatus([rolling], undefined, 1, T0);
    expect(s.conditions?.find((c) => c.type === "Available")?.status).toBe("False");
    expect(s.conditions?.find((c) => c.type === "Progressing")?.status).toBe("True");
    expect(s.manifestConditions?.[0]?.conditions.find((c) => c.type === "Available")?.observedGeneration).toBe(2);
  });

  it("keeps transition times of conditions that did not flip", () => {
    const a = nextWorkStatus([ok(0)], undefined, 1, T0);
    const b = nextWorkStatus([ok(0)], a, 2, T1);
    expect(b.conditions?.find((c) => c.type === "Applied")?.lastTransitionTime).toBe(T0);
    expect(b.manifestConditions?.[0]?.conditions[0]?.lastTransitionTime).toBe(T0);
  });

  it("treats an empty Work as applied and available", () => {
    const s = nextWorkStatus([], undefined, 1, T0);
    expect(s.conditions?.map((c) => c.status)).toEqual(["True", "True", "False", "False"]);
  });
});

describe("statusChanged", () => {
  it("does not see a change when only time passed", () => {
    const a = nextWorkStatus([ok(0), bad(1)], undefined, 1, T0);
    const b = nextWorkStatus([ok(0), bad(1)], a, 1, T1);
    expect(statusChanged(a, b)).toBe(false);
  });

  it("sees a new generation, a new manifest and a flipped condition", () => {
    const a = nextWorkStatus([ok(0)], undefined, 1, T0);
    expect(statusChanged(a, nextWorkStatus([ok(0)], a, 2, T1))).toBe(true);
    expect(statusChanged(a, nextWorkStatus([ok(0), ok(1)], a, 1, T1))).toBe(true);
    expect(statusChanged(a, nextWorkStatus([bad(0)], a, 1, T1))).toBe(true);
  });

  it("compares identifiers field by field, whatever the key order", () => {
    expect(sameIdentifier({ name: "a", ordinal: 0, kind: "K" }, { ordinal: 0, kind: "K", name: "a", group: "" })).toBe(true);
  });
});
