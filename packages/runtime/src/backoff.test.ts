import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Backoff, sleep } from "./backoff.js";

describe("Backoff", () => {
  it("grows from initial to max and resets", () => {
    const b = new Backoff({ initialMs: 200, maxMs: 30_000, jitter: 0 });
    const seq = Array.from({ length: 10 }, () => b.next());
    expect(seq).toEqual([200, 400, 800, 1600, 3200, 6400, 12800, 25600, 30000, 30000]);
    b.reset();
    expect(b.next()).toBe(200);
  });

  it("keeps jittered delays within bounds", () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0.5 });
    for (let i = 0; i < 50; i++) {
      const d = b.next();
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(1000);
    }
  });
});

describe("sleep", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("resolves after the delay", async () => {
    const p = sleep(100);
    vi.advanceTimersByTime(100);
    await p;
  });

  it("rejects on abort, or resolves early when asked", async () => {
    const ac = new AbortController();
    const p = sleep(1000, ac.signal);
    const q = sleep(1000, ac.signal, true);
    ac.abort();
    await expect(p).rejects.toThrow(/aborted/);
    await q;
    await expect(sleep(1, ac.signal)).rejects.toThrow();
  });
});
