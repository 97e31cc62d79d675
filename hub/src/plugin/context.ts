/**
 * What every `kubectl work` command shares: the terminal it writes to, the
 * connection to the hub (kubeconfig, client), flag parsing with kubectl's
 * short flags, output selection, and one-line error messages.
 */
import { stringify } from "yaml";
import {
  KubeApiError,
  KubeClient,
  UsageError,
  ensureError,
  parseFlags,
  type BackoffOptions,
  type FlagSpec,
  type FlagValues,
  type KubeClientOptions,
} from "@work-api/runtime";
import { expandShortFlags } from "./flags.js";
import { KubeconfigError, loadKubeconfig, type ResolvedKubeconfig } from "./kubeconfig.js";
import { BUILD } from "../build.js";

export interface PluginIO {
  out: (text: string) => void;
  err: (text: string) => void;
  /** True when stdout is a terminal (colours, wrapping to its width). */
  isTTY: boolean;
  /** Width of the terminal, when stdout is one. */
  columns?: number | undefined;
  env: NodeJS.ProcessEnv;
  /** Clock for ages (default Date.now). */
  now?: () => number;
  /**
   * A signal aborted on Ctrl-C (SIGINT) or SIGTERM, for the commands that run until interrupted
   * (`status -w`). Only they call it, so every other command keeps the default handling (it
   * dies at once). Without it they run until the Work is deleted.
   */
  interrupt?: () => AbortSignal;
}

export interface PluginDeps {
  /** `join` (default: the hub's runJoin, as `work-hub join` runs it). */
  join?: (argv: readonly string[], io: { out: (t: string) => void; err: (t: string) => void }, usage: string) => Promise<number>;
  /** Options of the KubeClient (timeouts, retries). */
  clientOptions?: KubeClientOptions;
  /** `status -w`: server-side timeout of each watch request, after which it reconnects (default 5 to 10 min). */
  watchTimeoutSeconds?: number;
  /** `status -w`: delays between reconnects after a failure (default 200 ms, doubling, up to 5 s). */
  reconnectBackoff?: BackoffOptions;
}

/** A failure reported as one line with exit code 1. */
export class CommandError extends Error {
  override readonly name = "CommandError";
}

/** This package's version and the commit it was built from (`kubectl work --version`). */
export { BUILD };

const USER_AGENT = `kubectl-work/${BUILD.version}`;
/** The user agent of completion lookups. */
export const USER_AGENT_COMPLETE = `kubectl-work/${BUILD.version} (completion)`;
/** Plain width when stdout is not a terminal: output stays readable in files and pipes, and deterministic. */
const DEFAULT_WIDTH = 120;

/** Where text output wraps. */
export function outputWidth(io: PluginIO): number {
  if (io.isTTY && io.columns !== undefined && io.columns > 0) return io.columns;
  const env = Number(io.env.COLUMNS);
  return Number.isInteger(env) && env > 0 ? env : DEFAULT_WIDTH;
}

/** Colours only on a terminal, and never with NO_COLOR set (https://no-color.org) or TERM=dumb. */
export function useColor(io: PluginIO): boolean {
  return io.isTTY && (io.env.NO_COLOR === undefined || io.env.NO_COLOR === "") && io.env.TERM !== "dumb";
}

export function firstLine(text: string): string {
  return (text.split("\n").find((l) => l.trim() !== "") ?? text).trim();
}

const NETWORK_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT", "ECONNRESET", "EPIPE"]);

/** One line describing any failure of a request. */
export function describeError(err: unknown, server: string | undefined): string {
  if (err instanceof KubeApiError) {
    if (err.statusCode === 401) return `Unauthorized: the API server at ${server ?? "?"} rejected the kubeconfig's credentials`;
    return firstLine(err.status.message !== undefined && err.status.message !== "" ? err.status.message : err.message);
  }
  const e = ensureError(err);
  const code = (e as { code?: unknown }).code;
  if (typeof code === "string" && (NETWORK_CODES.has(code) || /CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO/.test(code))) {
    return `cannot reach the API server at ${server ?? "?"}: ${firstLine(e.message)}`;
  }
  return firstLine(e.message);
}

export interface Connected {
  client: KubeClient;
  cfg: ResolvedKubeconfig;
  server: string;
}

export function connect(values: FlagValues, io: PluginIO, deps: PluginDeps): Connected {
  const str = (k: string): string | undefined => (values[k] === undefined ? undefined : String(values[k]));
  const cfg = loadKubeconfig({ kubeconfig: str("kubeconfig"), context: str("context"), env: io.env });
  const server = cfg.kc.getCurrentCluster()?.server ?? "";
  try {
    const client = KubeClient.fromKubeConfig(cfg.kc, { userAgent: USER_AGENT, maxRetries: 2, ...deps.clientOptions });
    return { client, cfg, server };
  } catch (err) {
    throw new KubeconfigError(`cannot use context "${cfg.context}" of ${cfg.source}: ${firstLine(ensureError(err).message)}`);
  }
}

/** True when argv sets the long flag `name` (in any spelling, short ones included) before any `--`. */
export function givesFlag(argv: readonly string[], name: string): boolean {
  const expanded = expandShortFlags(argv);
  const end = expanded.indexOf("--");
  return (end < 0 ? expanded : expanded.slice(0, end)).some((a) => a === `--${name}` || a.startsWith(`--${name}=`));
}

export function parse(specs: readonly FlagSpec[], argv: readonly string[], io: PluginIO): { values: FlagValues; positionals: string[]; help: boolean } {
  return parseFlags(specs, expandShortFlags(argv), io.env);
}

export function outputOf(values: FlagValues, allowed: readonly string[]): string {
  const o = String(values.output ?? "text");
  if (!allowed.includes(o)) throw new UsageError(`--output must be one of ${allowed.join(", ")}; got "${o}"`);
  return o;
}

export function printObject(io: PluginIO, format: string, obj: unknown): void {
  if (format === "json") io.out(JSON.stringify(obj, null, 2) + "\n");
  else io.out(stringify(obj, { lineWidth: 0 }));
}

/** NAME, also accepted as work/NAME (as kubectl prints it). */
export function workName(arg: string): string {
  const m = /^(?:works?|wk|works?\.multicluster\.x-k8s\.io)\/(.+)$/.exec(arg);
  const name = m ? m[1]! : arg;
  if (name.includes("/")) throw new UsageError(`"${arg}" is not a Work name`);
  return name;
}
