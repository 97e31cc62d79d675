import { describe, expect, it } from "vitest";
import { conditionsEquivalent, findCondition, setCondition } from "./conditions.js";

describe("setCondition", () => {
  it("adds a condition with the given transition time, second precision", () => {
    const out = setCondition([], { type: "Applied", status: "True", reason: "R", message: "m" }, "2026-01-01T00:00:00.123Z");
    expect(out).toEqual([{ type: "Applied", status: "True", reason: "R", message: "m", lastTransitionTime: "2026-01-01T00:00:00Z" }]);
  });

  it("keeps the transition time when only the reason or message changes", () => {
    const a = setCondition([], { type: "Applied", status: "True", reason: "R", message: "m" }, "2026-01-01T00:00:00Z");
    const b = setCondition(a, { type: "Applied", status: "True", reason: "R2", message: "m2", observedGeneration: 2 }, "2026-02-01T00:00:00Z");
    expect(findCondition(b, "Applied")).toMatchObject({ reason: "R2", observedGeneration: 2, lastTransitionTime: "2026-01-01T00:00:00Z" });
  });

  it("moves the transition time when the status flips", () => {
    const a = setCondition([], { type: "Applied", status: "True", reason: "R", message: "m" }, "2026-01-01T00:00:00Z");
    const b = setCondition(a, { type: "Applied", status: "False", reason: "R", message: "m" }, "2026-02-01T00:00:00Z");
    expect(findCondition(b, "Applied")?.lastTransitionTime).toBe("2026-02-01T00:00:00Z");
  });
});

describe("conditionsEquivalent", () => {
  it("ignores order and timestamps but not messages", () => {
    const a = setCondition(setCondition([], { type: "A", status: "True", reason: "r", message: "x" }, "2026-01-01T00:00:00Z"), { type: "B", status: "False", reason: "r", message: "y" });
    const b = [...a].reverse().map((c) => ({ ...c, lastTransitionTime: "2030-01-01T00:00:00Z" }));
    expect(conditionsEquivalent(a, b)).toBe(true);
    expect(conditionsEquivalent(a, b.map((c) => ({ ...c, message: "z" })))).toBe(false);
  });
});
