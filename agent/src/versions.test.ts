import { describe, expect, it } from "vitest";
import { newerOf } from "./versions.js";

const o = (resourceVersion: string) => ({ metadata: { resourceVersion } });

describe("newerOf", () => {
  it("prefers the copy just written while the cache still has an older one", () => {
    expect(newerOf(o("12"), o("9"))).toEqual(o("12"));
  });

  it("prefers the cache once it caught up or moved past", () => {
    expect(newerOf(o("12"), o("12"))).toEqual(o("12"));
    expect(newerOf(o("12"), o("15"))).toEqual(o("15"));
  });

  it("compares numerically, not as text", () => {
    expect(newerOf(o("100"), o("99"))).toEqual(o("100"));
  });

  it("uses the written copy when the cache has none, and the cache when versions are not numbers", () => {
    expect(newerOf(o("3"), undefined)).toEqual(o("3"));
    expect(newerOf(o("b"), o("a"))).toEqual(o("a"));
  });
});
