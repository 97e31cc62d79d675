/**
 * Command-line flags with environment fallbacks, from one table that also
 * renders `--help`. Precedence: flag, then environment variable, then default.
 */
import { parseArgs } from "node:util";
import { formatDuration, parseDuration } from "./duration.js";

export type FlagType = "string" | "int" | "duration" | "bool";

export interface FlagSpec {
  /** Long flag name without dashes, e.g. "hub-kubeconfig". */
  name: string;
  type: FlagType;
  /** Environment variable read when the flag is absent. */
  env?: string;
  /** Default value, already parsed (ms for durations). */
  default?: string | number | boolean;
  /** Text for the default in --help when it is computed at run time. */
  defaultText?: string;
  required?: boolean;
  description: string;
}

export type FlagValues = Record<string, string | number | boolean | undefined>;

/** A user error in flags: printed without a stack trace, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

function convert(spec: FlagSpec, raw: string | boolean, from: string): string | number | boolean {
  switch (spec.type) {
    case "bool":
      if (typeof raw === "boolean") return raw;
      if (/^(true|1|yes)$/i.test(raw)) return true;
      if (/^(false|0|no)$/i.test(raw)) return false;
      throw new UsageError(`${from}: expected true or false, got "${raw}"`);
    case "int": {
      const n = Number(raw);
      if (!Number.isInteger(n) || n < 0) throw new UsageError(`${from}: expected a whole number, got "${String(raw)}"`);
      return n;
    }
    case "duration":
      try {
        return parseDuration(String(raw));
      } catch (err) {
        throw new UsageError(`${from}: ${(err as Error).message}`);
      }
    default:
      return String(raw);
  }
}

export interface ParseOptions {
  /** Accept `--version` (sets `version: true`; required flags are then not required, as with `--help`). */
  version?: boolean;
}

/**
 * Parses argv (without node and script) against the table. `--help` sets `help: true`, and with
 * `opts.version` `--version` sets `version: true`.
 */
export function parseFlags(
  specs: readonly FlagSpec[],
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  opts: ParseOptions = {},
): { values: FlagValues; positionals: string[]; help: boolean; version: boolean } {
  const options: Record<string, { type: "string" | "boolean" }> = { help: { type: "boolean" } };
  if (opts.version === true) options.version = { type: "boolean" };
  for (const s of specs) options[s.name] = { type: s.type === "bool" ? "boolean" : "string" };
  // Allow --flag=false for booleans, as Go programs do.
  const args = argv.map((a) => a);
  const boolOverrides: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const m = /^--([^=]+)=(.*)$/.exec(args[i]!);
    if (m && specs.find((s) => s.name === m[1] && s.type === "bool")) {
      boolOverrides[m[1]!] = m[2]!;
      args.splice(i--, 1);
    }
  }
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const values: FlagValues = {};
  for (const s of specs) {
    const fromFlag = boolOverrides[s.name] ?? (parsed.values as Record<string, string | boolean | undefined>)[s.name];
    const fromEnv = s.env ? env[s.env] : undefined;
    if (fromFlag !== undefined) values[s.name] = convert(s, fromFlag, `--${s.name}`);
    else if (fromEnv !== undefined && fromEnv !== "") values[s.name] = convert(s, fromEnv, `$${s.env}`);
    else values[s.name] = s.default;
  }
  const help = parsed.values.help === true;
  const version = (parsed.values as Record<string, unknown>).version === true;
  if (!help && !version) {
    const missing = specs.filter((s) => s.required && values[s.name] === undefined);
    if (missing.length > 0) throw new UsageError(`missing required flag ${missing.map((s) => `--${s.name}${s.env ? ` (or $${s.env})` : ""}`).join(", ")}`);
  }
  return { values, positionals: parsed.positionals, help, version };
}

function defaultText(s: FlagSpec): string {
  if (s.defaultText) return s.defaultText;
  if (s.default === undefined) return s.required ? "required" : "none";
  if (s.type === "duration") return formatDuration(Number(s.default));
  return JSON.stringify(s.default);
}

export interface HelpOptions {
  /** The `--version` line (see versionLine): lists `--version`, saying what it prints. */
  version?: string;
}

/** Renders a help text: usage line, description, then one block per flag. */
export function renderHelp(usage: string, description: string, specs: readonly FlagSpec[], opts: HelpOptions = {}): string {
  const lines = [`Usage: ${usage}`, "", description, "", "Flags:"];
  for (const s of specs) {
    const arg = s.type === "bool" ? "[=true|false]" : ` <${s.type === "duration" ? "duration" : s.type === "int" ? "n" : "value"}>`;
    lines.push(`  --${s.name}${arg}`);
    lines.push(`      ${s.description}`);
    lines.push(`      default: ${defaultText(s)}${s.env ? `; env: ${s.env}` : ""}`);
  }
  lines.push("  --help", "      Show this help.");
  if (opts.version !== undefined) lines.push("  --version", `      Print the version and exit: ${opts.version}`);
  return lines.join("\n");
}
