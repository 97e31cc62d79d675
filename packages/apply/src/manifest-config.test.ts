import { describe, expect, it } from "vitest";
import { manifestConfigFor, selects } from "./manifest-config.js";

const cm = { group: "", resource: "configmaps", namespace: "app", name: "a" };

describe("selects", () => {
  it("matches group, resource, namespace and name exactly, absent and empty alike", () => {
    expect(selects({ resource: "configmaps", namespace: "app", name: "a" }, cm)).toBe(true);
    expect(selects({ group: "", resource: "configmaps", namespace: "app", name: "a" }, cm)).toBe(true);
    expect(selects({ resource: "configmaps", namespace: "app", name: "b" }, cm)).toBe(false);
    expect(selects({ resource: "configmaps", namespace: "other", name: "a" }, cm)).toBe(false);
    expect(selects({ resource: "secrets", namespace: "app", name: "a" }, cm)).toBe(false);
    expect(selects({ group: "apps", resource: "configmaps", namespace: "app", name: "a" }, cm)).toBe(false);
    expect(selects({ resource: "configmaps", name: "a" }, cm)).toBe(false);
  });

  it("matches a cluster-scoped object only without a namespace", () => {
    const ns = { group: "", resource: "namespaces", namespace: "", name: "app" };
    expect(selects({ resource: "namespaces", name: "app" }, ns)).toBe(true);
    expect(selects({ resource: "namespaces", namespace: "app", name: "app" }, ns)).toBe(false);
  });

  it("never matches an object whose resource is not resolved", () => {
    expect(selects({ resource: "", name: "a" }, { ...cm, resource: "" })).toBe(false);
  });
});

describe("manifestConfigFor", () => {
  it("returns the item that names the object, or undefined", () => {
    const a = { resourceIdentifier: { resource: "configmaps", namespace: "app", name: "a" }, updateStrategy: { type: "CreateOnly" as const } };
    const b = { resourceIdentifier: { resource: "configmaps", namespace: "app", name: "b" } };
    expect(manifestConfigFor([b, a], cm)).toBe(a);
    expect(manifestConfigFor([b], cm)).toBeUndefined();
    expect(manifestConfigFor(undefined, cm)).toBeUndefined();
  });
});
