import { describe, expect, it } from "vitest";
import type { ManifestResult } from "@work-api/apply";
import { markRecreated, planInventory, sameInventory } from "./inventory.js";

const ref = (ordinal: number, name: string) => ({ ordinal, group: "", version: "v1", kind: "ConfigMap", resource: "configmaps", namespace: "d", name, uid: `u-${name}` });
const applied = (ordinal: number, name: string): ManifestResult => ({ ordinal, identifier: { ordinal, group: "", version: "v1", kind: "ConfigMap", resource: "configmaps", namespace: "d", name }, action: "unchanged", message: "", live: { metadata: { uid: `u-${name}` } } });
const failedNamed = (ordinal: number, name: string): ManifestResult => ({ ordinal, identifier: { ordinal, group: "", version: "v1", kind: "ConfigMap", namespace: "d", name }, action: "failed", reason: "ManifestRejected", message: "" });
const failedAnon = (ordinal: number): ManifestResult => ({ ordinal, identifier: { ordinal }, action: "failed", reason: "ManifestInvalid", message: "" });

describe("planInventory", () => {
  it("prunes a manifest removed from the Work", () => {
    const p = planInventory([ref(0, "a"), ref(1, "b")], [applied(0, "a")]);
    expect(p.prune.map((r) => r.name)).toEqual(["b"]);
    expect(p.applied.map((r) => r.name)).toEqual(["a"]);
  });

  it("prunes the old name of a renamed object", () => {
    const p = planInventory([ref(0, "old")], [applied(0, "new")]);
    expect(p.prune.map((r) => r.name)).toEqual(["old"]);
  });

  it("keeps an object whose manifest now fails to apply", () => {
    const p = planInventory([ref(0, "a"), ref(1, "b")], [applied(0, "a"), failedNamed(1, "b")]);
    expect(p.prune).toEqual([]);
    expect(p.kept.map((r) => r.name)).toEqual(["b"]);
  });

  it("keeps what an unparseable manifest at the same ordinal applied before", () => {
    const p = planInventory([ref(0, "a"), ref(1, "b")], [applied(0, "a"), failedAnon(1)]);
    expect(p.prune).toEqual([]);
  });
});

describe("sameInventory", () => {
  it("ignores order and absent-versus-empty namespace", () => {
    const a = [ref(0, "a"), ref(1, "b")];
    expect(sameInventory(a, [...a].reverse())).toBe(true);
    expect(sameInventory([{ ...ref(0, "a"), namespace: "" }], [{ ...ref(0, "a"), namespace: undefined }])).toBe(true);
    expect(sameInventory(a, [ref(0, "a")])).toBe(false);
  });
});

describe("inventory first", () => {
  it("adds the objects a Work names before they are applied, once", async () => {
    const { withIntended } = await import("./inventory.js");
    const intended = { ordinal: 1, group: "", version: "v1", kind: "ConfigMap", resource: "", namespace: "d", name: "b" };
    const listed = [ref(0, "a")];
    expect(withIntended(listed, [{ ...ref(0, "a"), uid: undefined }, intended]).map((r) => r.name)).toEqual(["a", "b"]);
    expect(withIntended([...listed, intended], [intended])).toHaveLength(2);
  });

  it("keeps the entry of a manifest refused for its scope (reported without namespace)", () => {
    const entry = { ordinal: 0, group: "", version: "v1", kind: "Namespace", resource: "", namespace: "bogus", name: "n" };
    const refused: ManifestResult = { ordinal: 0, identifier: { ordinal: 0, group: "", version: "v1", kind: "Namespace", namespace: "", name: "n" }, action: "failed", reason: "NamespaceNotAllowed", message: "" };
    expect(planInventory([entry], [refused]).kept).toEqual([entry]);
  });
});

describe("markRecreated", () => {
  it("marks an object created again although listed with a uid as deleted drift", () => {
    const created = (ordinal: number, name: string): ManifestResult => ({ ...applied(ordinal, name), action: "created" });
    const { uid: _none, ...unapplied } = ref(1, "b");
    const out = markRecreated([created(0, "a"), created(1, "b"), applied(2, "c")], [ref(0, "a"), unapplied, ref(2, "c")]);
    expect(out.map((r) => r.drift)).toEqual(["deleted", undefined, undefined]);
  });
});
