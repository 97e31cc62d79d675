/**
 * Structured logging. The runtime logs through the small {@link Logger}
 * interface (a subset of pino's), so components take any logger: a pino one
 * from {@link createLogger}, {@link noopLogger} in tests, or
 * {@link memoryLogger} to assert on entries.
 *
 * Conventions: constant messages, variable data in fields; errors under `err`.
 */
import { Writable } from "node:stream";
import pino from "pino";

/** Log levels, most to least verbose. */
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";

/** One logging method: `log.info({key}, "Message")` or `log.info("Message")`. */
export interface LogFn {
  (fields: Record<string, unknown>, msg: string): void;
  (msg: string): void;
}

/** The logging surface the runtime needs. pino loggers satisfy it. */
export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  /** A logger that adds `bindings` to every entry. */
  child(bindings: Record<string, unknown>): Logger;
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Minimum level written. Default "info". */
  level?: LogLevel;
  /** Component name, logged as `name`. */
  name?: string;
  /** Human-readable single lines instead of JSON. Default false. */
  pretty?: boolean;
  /** Destination; default stderr (fd 2) so stdout stays free for command output. */
  destination?: NodeJS.WritableStream;
}

const LEVEL_NAMES: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL" };
const RESERVED = new Set(["level", "time", "msg", "pid", "hostname", "name"]);

function prettyValue(v: unknown): string {
  if (typeof v === "string") return /\s|"/.test(v) ? JSON.stringify(v) : v;
  if (v !== null && typeof v === "object" && "message" in v && "type" in v) return JSON.stringify((v as { message: unknown }).message);
  return JSON.stringify(v);
}

/** Formats one pino JSON line as "HH:MM:SS.mmm LEVEL name: msg k=v ...". */
export function formatPrettyLine(line: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = typeof rec.time === "number" ? new Date(rec.time).toISOString().slice(11, 23) : "";
  const level = LEVEL_NAMES[rec.level as number] ?? String(rec.level);
  const name = typeof rec.name === "string" ? ` ${rec.name}:` : "";
  const fields = Object.entries(rec)
    .filter(([k]) => !RESERVED.has(k))
    .map(([k, v]) => `${k}=${prettyValue(v)}`)
    .join(" ");
  return `${time} ${level.padEnd(5)}${name} ${typeof rec.msg === "string" ? rec.msg : JSON.stringify(rec.msg ?? "")}${fields ? ` ${fields}` : ""}`;
}

function prettyStream(out: NodeJS.WritableStream): Writable {
  let pending = "";
  return new Writable({
    write(chunk: Buffer | string, _enc, cb): void {
      pending += chunk.toString();
      let i: number;
      while ((i = pending.indexOf("\n")) >= 0) {
        out.write(`${formatPrettyLine(pending.slice(0, i))}\n`);
        pending = pending.slice(i + 1);
      }
      cb();
    },
  });
}

/** A pino logger writing JSON lines (or pretty lines) to stderr. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const stream =
    opts.pretty === true
      ? prettyStream(opts.destination ?? process.stderr)
      : (opts.destination ?? pino.destination({ fd: 2, sync: true }));
  return pino(
    {
      level: opts.level ?? "info",
      ...(opts.name !== undefined ? { name: opts.name } : {}),
      base: undefined,
      serializers: { err: pino.stdSerializers.err },
    },
    stream,
  );
}

class NoopLogger implements Logger {
  debug(): void {}
  info(): void {}
  warn(): void {}
  error(): void {}
  child(): Logger {
    return this;
  }
}

/** Discards everything. */
export const noopLogger: Logger = new NoopLogger();

/** One entry captured by {@link memoryLogger}. */
export interface LogEntry {
  level: "debug" | "info" | "warn" | "error";
  msg: string;
  fields: Record<string, unknown>;
}

/** A logger that keeps entries in memory (for tests). Children share the array. */
export function memoryLogger(entries: LogEntry[] = []): Logger & { entries: LogEntry[] } {
  const make = (bindings: Record<string, unknown>): Logger & { entries: LogEntry[] } => {
    const at =
      (level: LogEntry["level"]): LogFn =>
      (a: Record<string, unknown> | string, msg?: string): void => {
        if (typeof a === "string") entries.push({ level, msg: a, fields: { ...bindings } });
        else entries.push({ level, msg: msg ?? "", fields: { ...bindings, ...a } });
      };
    return {
      entries,
      debug: at("debug"),
      info: at("info"),
      warn: at("warn"),
      error: at("error"),
      child: (b) => make({ ...bindings, ...b }),
    };
  };
  return make({});
}
