import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "./duration.js";

describe("parseDuration", () => {
  it("reads Go-style durations and plain seconds", () => {
    expect(parseDuration("250ms")).toBe(250);
    expect(parseDuration("30s")).toBe(30_000);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("15")).toBe(15_000);
  });

  it("refuses garbage with a message that shows the input", () => {
    expect(() => parseDuration("soon")).toThrow('invalid duration "soon"');
    expect(() => parseDuration("5m garbage")).toThrow(/invalid duration/);
  });

  it("formats back", () => {
    expect(formatDuration(600_000)).toBe("10m");
    expect(formatDuration(1500)).toBe("1500ms");
  });
});
