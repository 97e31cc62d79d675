/**
 * The `kubectl work` command line: which command runs, help, version, and
 * exit codes. Each command lives in its own module (status-command.ts,
 * get-command.ts, clusters-command.ts, complete-command.ts; `join` is the
 * hub's), sharing context.ts; rendering lives in status.ts, get.ts and
 * clusters.ts. Commands only read from the hub, never write.
 *
 * Exit codes: 0 done, 1 not found / API or kubeconfig error (one line on
 * stderr, no stack trace), 2 usage error; `diff` as kubectl diff (1 differences
 * found, 3 failure). `diff` dry-runs on the spoke and writes nothing.
 */
import { UsageError, renderHelp, versionLine } from "@work-api/runtime";
import { runJoin } from "../join-command.js";
import { runClusters } from "./clusters-command.js";
import { runComplete } from "./complete-command.js";
import { SHELLS } from "./complete.js";
import { COMPLETION_SCRIPTS } from "./completion-scripts.js";
import { BUILD, CommandError, describeError, givesFlag, parse, type PluginDeps, type PluginIO } from "./context.js";
import { COMPLETION_DESCRIPTION, COMPLETION_USAGE, GLOBAL_FLAGS, JOIN_PLUGIN_USAGE, NO_FLAGS, PLUGIN, PLUGIN_DESCRIPTION, PLUGIN_USAGE, expandShortFlags } from "./flags.js";
import { runGet } from "./get-command.js";
import { DiffFailed, runDiff } from "./diff-command.js";
import { KubeconfigError } from "./kubeconfig.js";
import { runStatus } from "./status-command.js";

export { CommandError, describeError, outputWidth, useColor, type PluginDeps, type PluginIO } from "./context.js";
export { LIST_CONCURRENCY, PER_NAMESPACE_LIST_MAX, WORK_PAGE_SIZE } from "./clusters-command.js";

/** The commands `help` and the usage messages name (`__complete` is hidden). */
const COMMAND_NAMES = ["status", "diff", "get", "clusters", "join", "completion", "version"] as const;

/** What `kubectl work --version` prints. */
export function pluginVersion(): string {
  return versionLine("kubectl-work", BUILD);
}

function globalHelp(): string {
  return renderHelp(PLUGIN_USAGE, PLUGIN_DESCRIPTION, GLOBAL_FLAGS, { version: pluginVersion() }) + "\n";
}

function runCompletion(argv: readonly string[], io: PluginIO): number {
  const { positionals, help } = parse(NO_FLAGS, argv, io);
  if (help) {
    io.out(renderHelp(COMPLETION_USAGE, COMPLETION_DESCRIPTION, NO_FLAGS) + "\n");
    return 0;
  }
  const shell = positionals[0];
  if (positionals.length !== 1 || shell === undefined || !(SHELLS as readonly string[]).includes(shell)) {
    throw new UsageError(`completion takes one shell: ${SHELLS.join(", ")}${shell !== undefined ? ` (got "${positionals.join(" ")}")` : ""}`);
  }
  io.out(COMPLETION_SCRIPTS[shell]!);
  return 0;
}

function runVersion(argv: readonly string[], io: PluginIO): number {
  const { positionals, help } = parse(NO_FLAGS, argv, io);
  if (help) {
    io.out(renderHelp(`${PLUGIN} version`, "Prints the version of kubectl-work and the git commit it was built from.", NO_FLAGS) + "\n");
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`version takes no arguments (got "${positionals.join(" ")}")`);
  io.out(pluginVersion() + "\n");
  return 0;
}

/** Runs `kubectl work ARGV...`; resolves with the exit code. Never throws. */
export async function runPlugin(argv: readonly string[], io: PluginIO, deps: PluginDeps = {}): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case "status":
        return await runStatus(rest, io, deps);
      case "diff":
        return await runDiff(rest, io, deps);
      case "get":
        return await runGet(rest, io, deps);
      case "clusters":
        return await runClusters(rest, io, deps);
      case "join":
        if (givesFlag(rest, "context")) {
          throw new UsageError("join does not take --context: pass --kubeconfig (or $KUBECONFIG) with the hub as the current context");
        }
        return await (deps.join ?? runJoin)(expandShortFlags(rest), io, JOIN_PLUGIN_USAGE);
      case "completion":
        return runCompletion(rest, io);
      case "__complete":
        return await runComplete(rest, io, deps);
      case "version":
        return runVersion(rest, io);
      case "--version":
        if (rest.length > 0) throw new UsageError(`--version takes no arguments (got "${rest.join(" ")}")`);
        return runVersion([], io);
      case "help":
        if (rest[0] !== undefined && (COMMAND_NAMES as readonly string[]).includes(rest[0])) return await runPlugin([rest[0], "--help"], io, deps);
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
        throw new UsageError(cmd.startsWith("-") ? `the command comes first: ${PLUGIN} COMMAND [flags] (got "${cmd}")` : `unknown command "${cmd}" (commands: ${COMMAND_NAMES.join(", ")})`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      const which = cmd !== undefined && (COMMAND_NAMES as readonly string[]).includes(cmd) ? ` ${cmd}` : "";
      io.err(`${PLUGIN}: ${err.message}\nRun '${PLUGIN}${which} --help' for usage.\n`);
      return 2;
    }
    if (cmd === "diff") {
      // kubectl diff's codes: 1 means "differences found", so a failure is 3.
      io.err(`${PLUGIN}: ${err instanceof DiffFailed || err instanceof CommandError || err instanceof KubeconfigError ? err.message : describeError(err, undefined)}\n`);
      return 3;
    }
    if (err instanceof CommandError || err instanceof KubeconfigError) {
      io.err(`${PLUGIN}: ${err.message}\n`);
      return 1;
    }
    io.err(`${PLUGIN}: ${describeError(err, undefined)}\n`);
    return 1;
  }
}
