import { describe, expect, it } from "vitest";
import { formatPath } from "../diff.js";
import { JsonPathError, deletePath, getPath, parseJsonPath, setPath } from "./json-path.js";

describe("parseJsonPath", () => {
  it("reads field names, quoted keys and list indexes", () => {
    expect(parseJsonPath(".spec.replicas")).toEqual([{ key: "spec" }, { key: "replicas" }]);
    expect(parseJsonPath(".metadata.labels['example.com/a']")).toEqual([{ key: "metadata" }, { key: "labels" }, { key: "example.com/a" }]);
    expect(parseJsonPath('.data["a.b"]')).toEqual([{ key: "data" }, { key: "a.b" }]);
    expect(parseJsonPath(".spec.containers[0].image")).toEqual([{ key: "spec" }, { key: "containers" }, { index: 0 }, { key: "image" }]);
    expect(parseJsonPath(".data['it\\'s']")).toEqual([{ key: "data" }, { key: "it's" }]);
  });

  it("round-trips with formatPath", () => {
    for (const p of [".spec.replicas", ".metadata.labels['example.com/a']", ".spec.containers[1].image"]) expect(formatPath(parseJsonPath(p))).toBe(p);
  });

  it("refuses what it cannot read, saying where", () => {
    for (const bad of ["spec", ".", ".a..b", ".a[x]", ".a['b", ".a[*]", ".a b"]) expect(() => parseJsonPath(bad), bad).toThrow(JsonPathError);
    expect(() => parseJsonPath(".a[x]")).toThrow(/position 2/);
  });
});

describe("getPath, setPath, deletePath", () => {
  it("get tells a missing field from a null one", () => {
    const doc = { a: { b: null, l: [1, 2] } };
    expect(getPath(doc, parseJsonPath(".a.b"))).toEqual({ found: true, value: null });
    expect(getPath(doc, parseJsonPath(".a.c"))).toEqual({ found: false, value: undefined });
    expect(getPath(doc, parseJsonPath(".a.l[1]"))).toEqual({ found: true, value: 2 });
    expect(getPath(doc, parseJsonPath(".a.l[2]")).found).toBe(false);
  });

  it("set creates maps on the way, copies the value, and refuses a list too short", () => {
    const doc: Record<string, unknown> = {};
    const v = { x: 1 };
    expect(setPath(doc, parseJsonPath(".spec.template.v"), v)).toBe(true);
    v.x = 2;
    expect(doc).toEqual({ spec: { template: { v: { x: 1 } } } });
    expect(setPath(doc, parseJsonPath(".spec.list[0]"), 1)).toBe(false);
    expect(setPath({ l: [0, 0] }, parseJsonPath(".l[1]"), 5)).toBe(true);
  });

  it("delete removes a map field, never a list element", () => {
    const doc: Record<string, unknown> = { data: { a: "1", b: "2" }, l: [1] };
    expect(deletePath(doc, parseJsonPath(".data.b"))).toBe(true);
    expect(deletePath(doc, parseJsonPath(".data.zz"))).toBe(false);
    expect(deletePath(doc, parseJsonPath(".l[0]"))).toBe(false);
    expect(doc).toEqual({ data: { a: "1" }, l: [1] });
  });
});
