import { describe, expect, it } from "vitest";
import type { KubeObject } from "@work-api/api";
import { ObjectCache } from "./cache.js";

const obj = (ns: string | undefined, name: string, rv: string, labels: Record<string, string> = {}): KubeObject => ({
  metadata: { name, resourceVersion: rv, labels, ...(ns !== undefined ? { namespace: ns } : {}) },
});

describe("ObjectCache", () => {
  it("gets by key, lists, and lists by namespace", () => {
    const c = new ObjectCache();
    c.upsert(obj("a", "x", "1"));
    c.upsert(obj("a", "y", "1"));
    c.upsert(obj("b", "x", "1"));
    c.upsert(obj(undefined, "cluster", "1"));
    expect(c.get("a/x")?.metadata?.name).toBe("x");
    expect(c.get("cluster")).toBeDefined();
    expect(c.size).toBe(4);
    expect(c.listByNamespace("a").map((o) => o.metadata?.name).sort()).toEqual(["x", "y"]);
    expect(c.listByNamespace("zzz")).toEqual([]);
  });

  it("keeps indexes in step with updates and removals", () => {
    const c = new ObjectCache();
    c.addIndex("app", (o) => (o.metadata?.labels?.app !== undefined ? [o.metadata.labels.app] : []));
    c.upsert(obj("a", "x", "1", { app: "web" }));
    expect(c.byIndex("app", "web")).toHaveLength(1);
    c.upsert(obj("a", "x", "2", { app: "db" }));
    expect(c.byIndex("app", "web")).toHaveLength(0);
    expect(c.byIndex("app", "db")).toHaveLength(1);
    c.remove(obj("a", "x", "3"));
    expect(c.byIndex("app", "db")).toHaveLength(0);
    expect(() => c.byIndex("nope", "x")).toThrow(/no index/);
  });

  it("replace reports added, updated (changed resourceVersion only) and deleted", () => {
    const c = new ObjectCache();
    c.replace([obj("n", "keep", "1"), obj("n", "change", "1"), obj("n", "gone", "1")]);
    const diff = c.replace([obj("n", "keep", "1"), obj("n", "change", "2"), obj("n", "new", "5")]);
    expect(diff.added.map((o) => o.metadata?.name)).toEqual(["new"]);
    expect(diff.updated.map((u) => [u.old.metadata?.resourceVersion, u.new.metadata?.resourceVersion])).toEqual([["1", "2"]]);
    expect(diff.deleted.map((o) => o.metadata?.name)).toEqual(["gone"]);
    expect(c.keys().sort()).toEqual(["n/change", "n/keep", "n/new"]);
    expect(c.listByNamespace("n")).toHaveLength(3);
  });
});
