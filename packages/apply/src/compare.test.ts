import { describe, expect, it } from "vitest";
import { inSync, isSubset } from "./compare.js";

describe("isSubset", () => {
  it("ignores fields the server added", () => {
    expect(isSubset({ spec: { ports: [{ port: 80 }] } }, { spec: { ports: [{ port: 80, protocol: "TCP" }], clusterIP: "10.0.0.1" } })).toBe(true);
  });

  it("sees a changed value", () => {
    expect(isSubset({ data: { a: "1" } }, { data: { a: "2" } })).toBe(false);
  });

  it("sees a removed or added list element", () => {
    expect(isSubset({ l: [1, 2] }, { l: [1] })).toBe(false);
    expect(isSubset({ l: [1] }, { l: [1, 2] })).toBe(false);
  });

  it("sees a missing key", () => {
    expect(isSubset({ data: { a: "1" } }, { data: {} })).toBe(false);
  });
});

describe("inSync", () => {
  const desired = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "cm", namespace: "d", labels: { a: "b" }, ownerReferences: [{ apiVersion: "x/v1", kind: "AppliedWork", name: "w", uid: "u1" }] },
    data: { k: "v" },
  };
  const live = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "cm", namespace: "d", uid: "x", resourceVersion: "5", labels: { a: "b", extra: "1" }, ownerReferences: [{ apiVersion: "other/v1", kind: "Other", name: "o", uid: "u0" }, { apiVersion: "x/v1", kind: "AppliedWork", name: "w", uid: "u1", blockOwnerDeletion: false }] },
    data: { k: "v" },
  };

  it("is true when the live object holds every desired value and our owner reference", () => {
    expect(inSync(desired, live)).toBe(true);
  });

  it("is false when our owner reference is missing", () => {
    expect(inSync(desired, { ...live, metadata: { ...live.metadata, ownerReferences: [] } })).toBe(false);
  });

  it("is false after an out-of-band edit of a desired field", () => {
    expect(inSync(desired, { ...live, data: { k: "edited" } })).toBe(false);
  });

  it("ignores status in the desired manifest", () => {
    expect(inSync({ ...desired, status: { phase: "x" } }, live)).toBe(true);
  });
});
