import { describe, expect, it } from "vitest";
import { age, humanDuration } from "./age.js";

const s = 1_000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

describe("humanDuration", () => {
  it.each([
    [0, "0s"],
    [5 * s, "5s"],
    [119 * s, "119s"],
    [2 * m, "2m"],
    [3 * m + 20 * s, "3m20s"],
    [9 * m + 59 * s, "9m59s"],
    [10 * m + 30 * s, "10m"],
    [179 * m, "179m"],
    [3 * h, "3h"],
    [2 * h + 5 * m, "125m"],
    [5 * h + 30 * m, "5h30m"],
    [8 * h + 30 * m, "8h"],
    [47 * h, "47h"],
    [2 * d, "2d"],
    [4 * d + 3 * h, "4d3h"],
    [8 * d + 3 * h, "8d"],
    [400 * d, "400d"],
    [3 * 365 * d + 10 * d, "3y10d"],
    [9 * 365 * d, "9y"],
  ])("%d ms reads %s", (ms, want) => {
    expect(humanDuration(ms)).toBe(want);
  });

  it("reads slight clock skew as 0s and anything worse as <invalid>", () => {
    expect(humanDuration(-500)).toBe("0s");
    expect(humanDuration(-5 * s)).toBe("<invalid>");
    expect(humanDuration(Number.NaN)).toBe("<invalid>");
  });
});

describe("age", () => {
  const now = Date.parse("2026-03-01T12:00:00Z");
  it("measures from an RFC 3339 timestamp", () => {
    expect(age("2026-03-01T11:57:00Z", now)).toBe("3m");
    expect(age("2026-02-25T12:00:00Z", now)).toBe("4d");
  });
  it("says <unknown> for a missing or unparsable timestamp", () => {
    expect(age(undefined, now)).toBe("<unknown>");
    expect(age("", now)).toBe("<unknown>");
    expect(age("yesterday-ish", now)).toBe("<unknown>");
  });
});
