import { describe, expect, it } from "vitest";
import { BucketRateLimiter, ItemExponentialRateLimiter, MaxOfRateLimiter, defaultControllerRateLimiter } from "./ratelimiter.js";

describe("ItemExponentialRateLimiter", () => {
  it("doubles per failure up to the cap, per item", () => {
    const r = new ItemExponentialRateLimiter({ baseDelayMs: 5, maxDelayMs: 60_000 });
    const seq = Array.from({ length: 16 }, () => r.when("a"));
    expect(seq.slice(0, 5)).toEqual([5, 10, 20, 40, 80]);
    expect(seq.at(-1)).toBe(60_000);
    expect(r.when("b")).toBe(5);
    expect(r.numRequeues("a")).toBe(16);
  });

  it("does not overflow after very many failures", () => {
    const r = new ItemExponentialRateLimiter();
    let d = 0;
    for (let i = 0; i < 5000; i++) d = r.when("x");
    expect(d).toBe(5 * 60_000);
  });

  it("forget resets", () => {
    const r = new ItemExponentialRateLimiter({ baseDelayMs: 1 });
    r.when("a");
    r.when("a");
    r.forget("a");
    expect(r.when("a")).toBe(1);
  });
});

describe("BucketRateLimiter", () => {
  it("allows a burst, then spaces retries at 1/qps", () => {
    let now = 0;
    const r = new BucketRateLimiter({ qps: 10, burst: 2, now: () => now });
    expect(r.when("a")).toBe(0);
    expect(r.when("b")).toBe(0);
    expect(r.when("c")).toBe(100);
    expect(r.when("d")).toBe(200);
    now = 1000;
    expect(r.when("e")).toBe(0);
  });
});

describe("MaxOfRateLimiter", () => {
  it("takes the longest delay and forgets in all", () => {
    const r = new MaxOfRateLimiter(new ItemExponentialRateLimiter({ baseDelayMs: 7 }), new BucketRateLimiter({ burst: 100 }));
    expect(r.when("a")).toBe(7);
    expect(r.numRequeues("a")).toBe(1);
    r.forget("a");
    expect(r.numRequeues("a")).toBe(0);
    expect(defaultControllerRateLimiter().when("z")).toBe(5);
  });
});
