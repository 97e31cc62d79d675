import { describe, expect, it } from "vitest";
import { UsageError, parseFlags, renderHelp, type FlagSpec } from "./flags.js";

const specs: FlagSpec[] = [
  { name: "kubeconfig", type: "string", env: "X_KUBECONFIG", required: true, description: "Path." },
  { name: "concurrency", type: "int", env: "X_CONCURRENCY", default: 4, description: "Workers." },
  { name: "resync-period", type: "duration", default: 600_000, description: "Resync." },
  { name: "force", type: "bool", default: true, description: "Force." },
];

describe("parseFlags", () => {
  it("prefers the flag, then the environment, then the default", () => {
    const { values } = parseFlags(specs, ["--kubeconfig", "a"], { X_CONCURRENCY: "7" });
    expect(values).toEqual({ kubeconfig: "a", concurrency: 7, "resync-period": 600_000, force: true });
    expect(parseFlags(specs, ["--kubeconfig=a", "--concurrency", "2"], { X_CONCURRENCY: "7" }).values.concurrency).toBe(2);
  });

  it("parses durations and Go-style booleans", () => {
    const { values } = parseFlags(specs, ["--kubeconfig", "a", "--resync-period", "30s", "--force=false"], {});
    expect(values["resync-period"]).toBe(30_000);
    expect(values.force).toBe(false);
  });

  it("names a missing required flag and its environment variable", () => {
    expect(() => parseFlags(specs, [], {})).toThrow(new UsageError("missing required flag --kubeconfig (or $X_KUBECONFIG)"));
  });

  it("refuses unknown flags and bad values with a usage error", () => {
    expect(() => parseFlags(specs, ["--kubeconfig", "a", "--nope"], {})).toThrow(UsageError);
    expect(() => parseFlags(specs, ["--kubeconfig", "a", "--concurrency", "many"], {})).toThrow('--concurrency: expected a whole number, got "many"');
  });

  it("does not require flags when help is asked for", () => {
    expect(parseFlags(specs, ["--help"], {}).help).toBe(true);
  });
});

describe("renderHelp", () => {
  it("documents every flag with its default and environment variable", () => {
    const text = renderHelp("x [flags]", "Does x.", specs);
    for (const s of specs) expect(text).toContain(`--${s.name}`);
    expect(text).toContain("default: 10m");
    expect(text).toContain("env: X_CONCURRENCY");
  });
});

describe("--version", () => {
  it("is accepted only when asked for, and then needs no required flag", () => {
    expect(() => parseFlags(specs, ["--version"], {})).toThrow(UsageError);
    const r = parseFlags(specs, ["--version"], {}, { version: true });
    expect(r).toMatchObject({ version: true, help: false });
    expect(parseFlags(specs, ["--kubeconfig", "a"], {}, { version: true }).version).toBe(false);
  });

  it("is listed in the help with the line it prints", () => {
    expect(renderHelp("x", "Does x.", specs)).not.toContain("--version");
    expect(renderHelp("x", "Does x.", specs, { version: "x 1.2.3 (commit abc1234)" })).toContain("  --version\n      Print the version and exit: x 1.2.3 (commit abc1234)");
  });
});
