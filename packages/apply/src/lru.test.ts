import { describe, expect, it } from "vitest";
import { Lru } from "./lru.js";

describe("Lru", () => {
  it("makes a value once per key and returns the cached one after", () => {
    const lru = new Lru<string, number>(4);
    let made = 0;
    const make = (k: string): number => (made++, k.length);
    expect(lru.getOrSet("abc", make)).toBe(3);
    expect(lru.getOrSet("abc", make)).toBe(3);
    expect(made).toBe(1);
  });

  it("drops the least recently used key past its bound", () => {
    const lru = new Lru<string, string>(2);
    lru.getOrSet("a", (k) => k);
    lru.getOrSet("b", (k) => k);
    lru.getOrSet("a", (k) => k); // a is now the most recent
    lru.getOrSet("c", (k) => k); // drops b
    expect(lru.size).toBe(2);
    expect(lru.has("a")).toBe(true);
    expect(lru.has("b")).toBe(false);
    expect(lru.has("c")).toBe(true);
  });

  it("refuses a bound that is not a positive integer", () => {
    expect(() => new Lru(0)).toThrow(RangeError);
  });
});
