/**
 * The `kubectl work` command line: argument handling, the reads against the
 * hub (through the runtime's KubeClient; never a write), output selection and
 * exit codes. Rendering lives in status.ts and clusters.ts.
 *
 * Exit codes: 0 done, 1 not found / API or kubeconfig error (one line on
 * stderr, no stack trace), 2 usage error.
 */
import {
  ClusterProfileResource,
  CLUSTER_MANAGER_LABEL,
  WorkResource,
  type ClusterProfile,
  type Work,
} from "@work-api/api";
import {
  KubeApiError,
  KubeClient,
  UsageError,
  ensureError,
  isForbidden,
  isNotFound,
  parseFlags,
  renderHelp,
  type FlagSpec,
  type FlagValues,
  type KubeClientOptions,
} from "@work-api/runtime";
import { stringify } from "yaml";
import { runJoin } from "../join-command.js";
import { clusterNamespace } from "../names.js";
import { clusterView, renderClustersText, type ClustersView, type WorksResult } from "./clusters.js";
import {
  CLUSTERS_DESCRIPTION,
  CLUSTERS_FLAGS,
  CLUSTERS_OUTPUTS,
  CLUSTERS_USAGE,
  GLOBAL_FLAGS,
  JOIN_PLUGIN_USAGE,
  PLUGIN,
  PLUGIN_DESCRIPTION,
  PLUGIN_USAGE,
  STATUS_DESCRIPTION,
  STATUS_FLAGS,
  STATUS_OUTPUTS,
  STATUS_USAGE,
  expandShortFlags,
} from "./flags.js";
import { KubeconfigError, loadKubeconfig, type ResolvedKubeconfig } from "./kubeconfig.js";
import { renderStatusText, workStatusView } from "./status.js";

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
}

export interface PluginDeps {
  /** `join` (default: the hub's runJoin, as `work-hub join` runs it). */
  join?: (argv: readonly string[], io: { out: (t: string) => void; err: (t: string) => void }, usage: string) => Promise<number>;
  /** Options of the KubeClient (timeouts, retries). */
  clientOptions?: KubeClientOptions;
}

/** A failure reported as one line with exit code 1. */
export class CommandError extends Error {
  override readonly name = "CommandError";
}

/** Work counts come from one LIST per cluster namespace up to this many clusters; past it, from one paginated LIST of all Works. */
export const PER_NAMESPACE_LIST_MAX = 16;
/** LISTs in flight at once. */
export const LIST_CONCURRENCY = 8;
/** Page size of Work LISTs (Works carry whole manifests, so pages stay small). */
export const WORK_PAGE_SIZE = 250;

const USER_AGENT = "kubectl-work/0.1.0";
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

function firstLine(text: string): string {
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

interface Connected {
  client: KubeClient;
  cfg: ResolvedKubeconfig;
  server: string;
}

function connect(values: FlagValues, io: PluginIO, deps: PluginDeps): Connected {
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
function givesFlag(argv: readonly string[], name: string): boolean {
  const expanded = expandShortFlags(argv);
  const end = expanded.indexOf("--");
  return (end < 0 ? expanded : expanded.slice(0, end)).some((a) => a === `--${name}` || a.startsWith(`--${name}=`));
}

function parse(specs: readonly FlagSpec[], argv: readonly string[], io: PluginIO): { values: FlagValues; positionals: string[]; help: boolean } {
  return parseFlags(specs, expandShortFlags(argv), io.env);
}

function outputOf(values: FlagValues, allowed: readonly string[]): string {
  const o = String(values.output ?? "text");
  if (!allowed.includes(o)) throw new UsageError(`--output must be one of ${allowed.join(", ")}; got "${o}"`);
  return o;
}

function printObject(io: PluginIO, format: string, obj: unknown): void {
  if (format === "json") io.out(JSON.stringify(obj, null, 2) + "\n");
  else io.out(stringify(obj, { lineWidth: 0 }));
}

/** NAME, also accepted as work/NAME (as kubectl prints it). */
function workName(arg: string): string {
  const m = /^(?:works?|wk|works?\.multicluster\.x-k8s\.io)\/(.+)$/.exec(arg);
  const name = m ? m[1]! : arg;
  if (name.includes("/")) throw new UsageError(`"${arg}" is not a Work name`);
  return name;
}

async function runStatus(argv: readonly string[], io: PluginIO, deps: PluginDeps): Promise<number> {
  const { values, positionals, help } = parse(STATUS_FLAGS, argv, io);
  if (help) {
    io.out(renderHelp(STATUS_USAGE, STATUS_DESCRIPTION, STATUS_FLAGS) + "\n");
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`status takes exactly one argument, the Work's name (got ${positionals.length})`);
  const name = workName(positionals[0]!);
  const format = outputOf(values, STATUS_OUTPUTS);
  const { client, cfg, server } = connect(values, io, deps);
  const nsFlag = values.namespace === undefined ? undefined : String(values.namespace);
  const namespace = nsFlag !== undefined && nsFlag !== "" ? nsFlag : cfg.namespace;
  try {
    let work: Work;
    try {
      work = await client.get<Work>(WorkResource, name, { namespace });
    } catch (err) {
      if (isNotFound(err)) {
        const details = (err as KubeApiError).status.details;
        if (details?.name === undefined || details.name === "") {
          throw new CommandError(`the API server at ${server} serves no ${WorkResource.resource}.${WorkResource.group}: is context "${cfg.context}" the hub?`);
        }
        const hint = nsFlag === undefined ? `; Works live in their cluster's namespace: pass -n CLUSTER` : "";
        throw new CommandError(`Work "${name}" not found in namespace "${namespace}"${hint}`);
      }
      throw err;
    }
    const view = workStatusView(work);
    if (format === "text") {
      io.out(renderStatusText(view, { now: (io.now ?? Date.now)(), color: useColor(io), width: outputWidth(io) }));
    } else {
      printObject(io, format, view);
    }
    return 0;
  } catch (err) {
    if (err instanceof CommandError) throw err;
    throw new CommandError(describeError(err, server));
  } finally {
    client.close();
  }
}

/** Runs `fn` over `items`, at most `limit` at a time, keeping the order of results. */
async function pooled<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * The Works of each namespace. A 404 on a LIST means the Work API is not
 * served at all (a LIST in a missing namespace is simply empty), which fails
 * the command; other failures are reported for that namespace only.
 */
async function worksByNamespace(client: KubeClient, namespaces: readonly string[], server: string): Promise<Map<string, WorksResult>> {
  const out = new Map<string, WorksResult>();
  const noApi = (): CommandError => new CommandError(`the API server at ${server} serves no ${WorkResource.resource}.${WorkResource.group}: is this the hub?`);
  if (namespaces.length > PER_NAMESPACE_LIST_MAX) {
    try {
      const all = await client.listAll<Work>(WorkResource, { pageSize: WORK_PAGE_SIZE });
      const grouped = new Map<string, Work[]>();
      for (const w of all.items) {
        const ns = w.metadata?.namespace ?? "";
        grouped.set(ns, [...(grouped.get(ns) ?? []), w]);
      }
      for (const ns of namespaces) out.set(ns, { works: grouped.get(ns) ?? [] });
      return out;
    } catch (err) {
      if (isNotFound(err)) throw noApi();
      // Without the right to list Works everywhere, ask namespace by namespace.
      if (!isForbidden(err)) throw err;
    }
  }
  const results = await pooled(namespaces, LIST_CONCURRENCY, async (ns): Promise<WorksResult> => {
    try {
      return { works: (await client.listAll<Work>(WorkResource, { namespace: ns, pageSize: WORK_PAGE_SIZE })).items };
    } catch (err) {
      if (isNotFound(err)) throw noApi();
      return { error: describeError(err, server) };
    }
  });
  namespaces.forEach((ns, i) => out.set(ns, results[i]!));
  return out;
}

async function runClusters(argv: readonly string[], io: PluginIO, deps: PluginDeps): Promise<number> {
  if (givesFlag(argv, "namespace")) throw new UsageError("clusters reads the ClusterProfiles of --inventory-namespace; -n/--namespace does not apply");
  const { values, positionals, help } = parse(CLUSTERS_FLAGS, argv, io);
  if (help) {
    io.out(renderHelp(CLUSTERS_USAGE, CLUSTERS_DESCRIPTION, CLUSTERS_FLAGS) + "\n");
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`clusters takes no arguments (got "${positionals.join(" ")}")`);
  const format = outputOf(values, CLUSTERS_OUTPUTS);
  const inventoryNamespace = String(values["inventory-namespace"] ?? "fleet-system");
  const manager = values["cluster-manager-name"] === undefined ? undefined : String(values["cluster-manager-name"]);
  const { client, server } = connect(values, io, deps);
  try {
    let profiles: ClusterProfile[];
    try {
      profiles = (
        await client.listAll<ClusterProfile>(ClusterProfileResource, {
          namespace: inventoryNamespace,
          ...(manager !== undefined && manager !== "" ? { labelSelector: `${CLUSTER_MANAGER_LABEL}=${manager}` } : {}),
        })
      ).items;
    } catch (err) {
      if (isNotFound(err)) {
        throw new CommandError(`the API server at ${server} serves no ${ClusterProfileResource.resource}.${ClusterProfileResource.group}: is this the hub?`);
      }
      throw err;
    }
    profiles.sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""));
    const namespaces = [...new Set(profiles.map((p) => clusterNamespace(p.metadata?.name ?? "")))];
    const works = profiles.length > 0 ? await worksByNamespace(client, namespaces, server) : new Map<string, WorksResult>();
    const view: ClustersView = {
      inventoryNamespace,
      clusters: profiles.map((p) => {
        const ns = clusterNamespace(p.metadata?.name ?? "");
        return clusterView(p, ns, works.get(ns) ?? { error: "not listed" });
      }),
    };
    if (format !== "text") printObject(io, format, view);
    else if (view.clusters.length === 0) io.err(`No ClusterProfiles found in namespace ${inventoryNamespace}${manager ? ` with ${CLUSTER_MANAGER_LABEL}=${manager}` : ""}.\n`);
    else io.out(renderClustersText(view, { now: (io.now ?? Date.now)(), color: useColor(io) }));
    const failed = view.clusters.filter((c) => c.worksError !== null);
    for (const c of failed) io.err(`${PLUGIN}: cannot list the Works of cluster ${c.name} (namespace ${c.namespace}): ${c.worksError}\n`);
    return failed.length > 0 ? 1 : 0;
  } catch (err) {
    if (err instanceof CommandError) throw err;
    throw new CommandError(describeError(err, server));
  } finally {
    client.close();
  }
}

function globalHelp(): string {
  return renderHelp(PLUGIN_USAGE, PLUGIN_DESCRIPTION, GLOBAL_FLAGS) + "\n";
}

/** Runs `kubectl work ARGV...`; resolves with the exit code. Never throws. */
export async function runPlugin(argv: readonly string[], io: PluginIO, deps: PluginDeps = {}): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case "status":
        return await runStatus(rest, io, deps);
      case "clusters":
        return await runClusters(rest, io, deps);
      case "join":
        if (givesFlag(rest, "context")) {
          throw new UsageError("join does not take --context: pass --kubeconfig (or $KUBECONFIG) with the hub as the current context");
        }
        return await (deps.join ?? runJoin)(expandShortFlags(rest), io, JOIN_PLUGIN_USAGE);
      case "help":
        if (rest[0] !== undefined && ["status", "clusters", "join"].includes(rest[0])) return await runPlugin([rest[0], "--help"], io, deps);
        io.out(globalHelp());
        return 0;
      case "--help":
      case "-h":
        io.out(globalHelp());
        return 0;
      case undefined:
        io.err(globalHelp());
        return 2;
      default:
        throw new UsageError(cmd.startsWith("-") ? `the command comes first: ${PLUGIN} COMMAND [flags] (got "${cmd}")` : `unknown command "${cmd}" (commands: status, clusters, join)`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      const which = cmd !== undefined && ["status", "clusters", "join"].includes(cmd) ? ` ${cmd}` : "";
      io.err(`${PLUGIN}: ${err.message}\nRun '${PLUGIN}${which} --help' for usage.\n`);
      return 2;
    }
    if (err instanceof CommandError || err instanceof KubeconfigError) {
      io.err(`${PLUGIN}: ${err.message}\n`);
      return 1;
    }
    io.err(`${PLUGIN}: ${describeError(err, undefined)}\n`);
    return 1;
  }
}
