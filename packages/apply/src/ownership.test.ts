import { describe, expect, it } from "vitest";
import { appliedWorkOwners, otherOwners, ownedBy, parseConflicts, workOwnerOfManager } from "./ownership.js";

const aw = (name: string, uid: string) => ({ apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "AppliedWork", name, uid });
const live = { metadata: { ownerReferences: [aw("hub1.web-0123456789", "u1"), aw("work-abcdef0123" + "9".repeat(54), "u2"), { apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: "u3" }] } };

describe("ownership", () => {
  it("lists AppliedWork owners only, and tells this Work's from the others", () => {
    expect(appliedWorkOwners(live).map((o) => o.uid)).toEqual(["u1", "u2"]);
    expect(ownedBy(live, "u1")).toBe(true);
    expect(ownedBy(live, "u3")).toBe(false);
    expect(otherOwners(live, "u1").map((o) => o.uid)).toEqual(["u2"]);
  });

  it("maps a field manager to the Work whose AppliedWork owns the object, for readable and hashed names", () => {
    expect(workOwnerOfManager("work-agent-0123456789", live)?.uid).toBe("u1");
    expect(workOwnerOfManager("other-base-abcdef0123", live)?.uid).toBe("u2");
    expect(workOwnerOfManager("kubectl", live)).toBeUndefined();
    // A Work id whose Work does not own the object is not a Work manager here.
    expect(workOwnerOfManager("work-agent-ffffffffff", live)).toBeUndefined();
  });

  it("reads the managers and fields of a 409 apply conflict", () => {
    const err = {
      status: {
        details: {
          causes: [
            { reason: "FieldManagerConflict", message: 'conflict with "work-agent-0123456789" using v1', field: ".data.x" },
            { reason: "FieldManagerConflict", message: 'conflict with "kubectl-edit" using v1', field: ".data.y" },
            { reason: "FieldValueInvalid", message: "not a conflict", field: ".spec" },
          ],
        },
      },
    };
    expect(parseConflicts(err)).toEqual([
      { manager: "work-agent-0123456789", field: ".data.x" },
      { manager: "kubectl-edit", field: ".data.y" },
    ]);
    expect(parseConflicts(new Error("x"))).toEqual([]);
  });
});
