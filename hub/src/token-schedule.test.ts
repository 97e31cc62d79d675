import { describe, expect, it } from "vitest";
import { rotateAt, tokenDecision, validateTokenPolicy } from "./token-schedule.js";

const H = 3_600_000;
const t0 = Date.parse("2026-01-01T00:00:00Z");
const iso = (ms: number): string => new Date(ms).toISOString();

describe("token rotation schedule", () => {
  it("rotates at 80% of the lifetime by default", () => {
    expect(rotateAt(t0, t0 + 10 * H, { lifetimeMs: 10 * H })).toBe(t0 + 8 * H);
  });

  it("rotates a fixed time before expiry when configured", () => {
    expect(rotateAt(t0, t0 + 10 * H, { lifetimeMs: 10 * H, rotateBeforeMs: H })).toBe(t0 + 9 * H);
    // Never before issue.
    expect(rotateAt(t0, t0 + H, { lifetimeMs: 10 * H, rotateBeforeMs: 5 * H })).toBe(t0);
  });

  it("mints when there is no token, it expired, is due, or its timestamps are bad", () => {
    const p = { lifetimeMs: 10 * H };
    expect(tokenDecision({ issued: undefined, expires: undefined }, p, t0)).toEqual({ mint: true, why: "no token yet" });
    expect(tokenDecision({ issued: iso(t0), expires: iso(t0 + 10 * H) }, p, t0 + 11 * H)).toMatchObject({ mint: true, why: "token expired" });
    expect(tokenDecision({ issued: iso(t0), expires: iso(t0 + 10 * H) }, p, t0 + 9 * H)).toMatchObject({ mint: true, why: "token due for rotation" });
    expect(tokenDecision({ issued: "garbage", expires: iso(t0) }, p, t0)).toMatchObject({ mint: true });
    expect(tokenDecision({ issued: iso(t0 + 5 * H), expires: iso(t0 + 15 * H) }, p, t0)).toMatchObject({ mint: true, why: expect.stringContaining("future") });
  });

  it("otherwise says when to look again", () => {
    expect(tokenDecision({ issued: iso(t0), expires: iso(t0 + 10 * H) }, { lifetimeMs: 10 * H }, t0 + H)).toEqual({ mint: false, recheckInMs: 7 * H });
  });

  it("validates the policy", () => {
    expect(validateTokenPolicy({ lifetimeMs: 60_000 })).toMatch(/at least 10m/);
    expect(validateTokenPolicy({ lifetimeMs: H, rotateBeforeMs: H })).toMatch(/before expiry/);
    expect(validateTokenPolicy({ lifetimeMs: H, rotateBeforeMs: 50 * 60_000 })).toBeUndefined();
  });
});
