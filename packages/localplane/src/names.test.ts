import { describe, expect, it } from "vitest";
import { UsageError } from "./errors.js";
import { parseClusterSpec, validateClusterSpecs } from "./names.js";

describe("parseClusterSpec", () => {
  it("gives names starting with hub the hub role, others spoke", () => {
    expect(parseClusterSpec("hub")).toEqual({ name: "hub", role: "hub" });
    expect(parseClusterSpec("hub-east")).toEqual({ name: "hub-east", role: "hub" });
    expect(parseClusterSpec("spoke1")).toEqual({ name: "spoke1", role: "spoke" });
  });

  it("honours an explicit role", () => {
    expect(parseClusterSpec("hubby:spoke")).toEqual({ name: "hubby", role: "spoke" });
    expect(parseClusterSpec("central:hub")).toEqual({ name: "central", role: "hub" });
  });

  it("rejects bad names and roles", () => {
    expect(() => parseClusterSpec("Hub")).toThrow(UsageError);
    expect(() => parseClusterSpec("a_b")).toThrow(/invalid cluster name/);
    expect(() => parseClusterSpec("x:boss")).toThrow(/invalid role "boss"/);
    expect(() => parseClusterSpec("x:hub:y")).toThrow(/NAME:ROLE/);
    expect(() => parseClusterSpec("a".repeat(64))).toThrow(UsageError);
  });
});

describe("validateClusterSpecs", () => {
  it("rejects empty lists and duplicates", () => {
    expect(() => validateClusterSpecs([])).toThrow(/no clusters/);
    expect(() => validateClusterSpecs([parseClusterSpec("a"), parseClusterSpec("a:hub")])).toThrow(/given twice/);
  });
});
