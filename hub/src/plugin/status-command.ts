/**
 * `kubectl work status NAME -n CLUSTER [-w]`: reads one Work and prints it
 * (status.ts renders it); with -w it follows the Work (watch.ts) and prints
 * it again on every change of what it shows, until Ctrl-C or its deletion.
 */
import { WorkResource, type Work } from "@work-api/api";
import { UsageError, isNotFound, renderHelp, type KubeApiError, type KubeClient } from "@work-api/runtime";
import { stringify } from "yaml";
import { CommandError, connect, describeError, outputOf, outputWidth, parse, printObject, useColor, workName, type PluginDeps, type PluginIO } from "./context.js";
import { PLUGIN, STATUS_DESCRIPTION, STATUS_FLAGS, STATUS_OUTPUTS, STATUS_USAGE } from "./flags.js";
import { renderStatusText, workStatusView } from "./status.js";
import { paint } from "./text.js";
import { followWork } from "./watch.js";

/** RFC 3339 without fractions, as the API writes times. */
function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
}

/**
 * Prints the versions of a Work under -w: each one whose view differs from the last printed
 * (a label or annotation edit, or a bare resourceVersion bump, prints nothing). Text is separated
 * by a line with the time; json is one document per line; yaml a document per version.
 */
export class StatusPrinter {
  private last: string | undefined;

  constructor(
    private readonly io: PluginIO,
    private readonly format: string,
  ) {}

  private now(): number {
    return (this.io.now ?? Date.now)();
  }

  private rule(): string {
    return paint(`── ${timestamp(this.now())} ──`, "dim", useColor(this.io)) + "\n";
  }

  /** Prints `work` unless it shows the same as the last one printed. */
  print(work: Work): void {
    const view = workStatusView(work);
    const key = JSON.stringify(view);
    if (key === this.last) return;
    const first = this.last === undefined;
    this.last = key;
    if (this.format === "json") this.io.out(key + "\n");
    else if (this.format === "yaml") this.io.out("---\n" + stringify(view, { lineWidth: 0 }));
    else this.io.out((first ? "" : "\n" + this.rule()) + renderStatusText(view, { now: this.now(), color: useColor(this.io), width: outputWidth(this.io) }));
  }

  /** Says that the Work is gone: on stdout under text, on stderr under json and yaml (whose stdout stays documents). */
  deleted(namespace: string, name: string): void {
    const text = `Work "${name}" in namespace "${namespace}" was deleted`;
    if (this.format === "text") this.io.out("\n" + this.rule() + text + ".\n");
    else this.io.err(`${PLUGIN}: ${text}\n`);
  }
}

/** The Work, or a CommandError that says why not (not found, or the context is not a hub). */
export async function getWork(client: KubeClient, name: string, namespace: string, nsFlag: string | undefined, server: string, context: string): Promise<Work> {
  try {
    return await client.get<Work>(WorkResource, name, { namespace });
  } catch (err) {
    if (isNotFound(err)) {
      const details = (err as KubeApiError).status.details;
      if (details?.name === undefined || details.name === "") {
        throw new CommandError(`the API server at ${server} serves no ${WorkResource.resource}.${WorkResource.group}: is context "${context}" the hub?`);
      }
      const hint = nsFlag === undefined ? `; Works live in their cluster's namespace: pass -n CLUSTER` : "";
      throw new CommandError(`Work "${name}" not found in namespace "${namespace}"${hint}`);
    }
    throw err;
  }
}

async function watchWork(work: Work, client: KubeClient, io: PluginIO, deps: PluginDeps, format: string, signal: AbortSignal): Promise<number> {
  const printer = new StatusPrinter(io, format);
  printer.print(work);
  let failures = 0;
  const end = await followWork({
    client,
    from: work,
    signal,
    onChange: (w) => printer.print(w),
    onRetry: (err, delayMs) => {
      // Once per outage, then every tenth attempt: a server that stays away does not flood the terminal.
      if (failures++ % 10 === 0) io.err(`${PLUGIN}: watch interrupted (${describeError(err, undefined)}); reconnecting in ${(delayMs / 1000).toFixed(1)}s\n`);
    },
    onRecovered: () => {
      failures = 0;
      io.err(`${PLUGIN}: watching again\n`);
    },
    ...(deps.watchTimeoutSeconds !== undefined ? { timeoutSeconds: deps.watchTimeoutSeconds } : {}),
    ...(deps.reconnectBackoff !== undefined ? { backoff: deps.reconnectBackoff } : {}),
  });
  if (end.how === "deleted") printer.deleted(work.metadata.namespace ?? "", work.metadata.name ?? "");
  return 0;
}

export async function runStatus(argv: readonly string[], io: PluginIO, deps: PluginDeps): Promise<number> {
  const { values, positionals, help } = parse(STATUS_FLAGS, argv, io);
  if (help) {
    io.out(renderHelp(STATUS_USAGE, STATUS_DESCRIPTION, STATUS_FLAGS) + "\n");
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`status takes exactly one argument, the Work's name (got ${positionals.length})`);
  const name = workName(positionals[0]!);
  const format = outputOf(values, STATUS_OUTPUTS);
  const watch = values.watch === true;
  const { client: base, cfg, server } = connect(values, io, deps);
  // Under -w, Ctrl-C ends every request at once, the first read too.
  const signal = watch ? (io.interrupt?.() ?? new AbortController().signal) : undefined;
  const client = signal !== undefined ? base.withSignal(signal) : base;
  const nsFlag = values.namespace === undefined ? undefined : String(values.namespace);
  const namespace = nsFlag !== undefined && nsFlag !== "" ? nsFlag : cfg.namespace;
  try {
    const work = await getWork(client, name, namespace, nsFlag, server, cfg.context);
    if (signal !== undefined) return await watchWork(work, client, io, deps, format, signal);
    const view = workStatusView(work);
    if (format === "text") {
      io.out(renderStatusText(view, { now: (io.now ?? Date.now)(), color: useColor(io), width: outputWidth(io) }));
    } else {
      printObject(io, format, view);
    }
    return 0;
  } catch (err) {
    if (signal?.aborted === true) return 0;
    if (err instanceof CommandError) throw err;
    throw new CommandError(describeError(err, server));
  } finally {
    base.close();
  }
}
