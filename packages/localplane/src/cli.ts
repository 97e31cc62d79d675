/**
 * `localplane` command. Errors the user can fix (LocalplaneError) print one
 * message and exit non-zero; only bugs print a stack trace.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { helpText, parseCli, type Command } from "./cli-args.js";
import { LocalplaneError, UsageError } from "./errors.js";
import { planeStatus, startPlane, stopPlaneDir, type Plane } from "./plane.js";
import { clusterPaths } from "./state.js";
import { COMPONENTS } from "./cluster.js";
import { liveProcesses, readPidFile } from "./pidfile.js";
import { signal } from "./proc.js";
import { versionLine } from "./version.js";

const out = (s: string): void => void process.stdout.write(s.endsWith("\n") ? s : s + "\n");
const err = (s: string): void => void process.stderr.write(`localplane: ${s}\n`);

async function up(cmd: Extract<Command, { kind: "up" }>): Promise<number> {
  const t0 = Date.now();
  let plane: Plane | undefined = undefined;
  let stopping: Promise<number> | undefined;
  const stop = (why: string, code: number): Promise<number> => {
    stopping ??= (async (): Promise<number> => {
      err(`${why}; stopping all clusters`);
      await plane?.stop();
      err("stopped");
      return code;
    })();
    return stopping;
  };
  // Signals during start-up: let startPlane fail or finish, then stop.
  let signalled: NodeJS.Signals | undefined;
  let signalledAt = 0;
  let wake: ((sig: NodeJS.Signals) => void) | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (signalled !== undefined) {
      // A Ctrl-C in a script reaches us twice (terminal + the script's trap):
      // only a signal well after the first one means "hurry".
      if (Date.now() - signalledAt < 2_000) return;
      err(`second ${sig}: exiting now (children are terminated on exit)`);
      process.exit(130);
    }
    signalled = sig;
    signalledAt = Date.now();
    wake?.(sig);
  };
  for (const s of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(s, onSignal);

  plane = await startPlane({
    dir: cmd.dir,
    clusters: cmd.clusters,
    binDir: cmd.binDir,
    crdsDir: cmd.crdsDir,
    clusterSet: cmd.clusterSet,
    clean: cmd.clean,
    timeoutMs: cmd.timeoutSeconds !== undefined ? cmd.timeoutSeconds * 1000 : undefined,
    ...(cmd.nodes !== undefined ? { nodes: cmd.nodes } : {}),
    log: (m) => err(m),
  });
  if (signalled !== undefined) return stop(`got ${signalled}`, 0);

  out(`localplane: ${plane.clusters.size} cluster(s) ready in ${((Date.now() - t0) / 1000).toFixed(1)}s (dir ${plane.dir})`);
  for (const c of plane.clusters.values()) {
    out(`  ${c.name} (${c.role}${c.warm ? ", warm" : ""})  ${c.server}`);
    out(`    kubeconfig: ${c.kubeconfigPath}`);
    out(`    kubectl --kubeconfig ${c.kubeconfigPath} get ns`);
  }
  out("Press Ctrl-C to stop.");

  // Child processes are unref'd (so a library user can exit); hold the loop open.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  const outcome = await new Promise<{ sig: NodeJS.Signals } | { died: string }>((resolveOutcome) => {
    wake = (sig): void => resolveOutcome({ sig });
    void plane?.died.then((died) => resolveOutcome({ died }));
  });
  clearInterval(keepAlive);
  if ("died" in outcome) {
    err(outcome.died);
    return stop("a control plane process exited", 1);
  }
  return stop(`got ${outcome.sig}`, 0);
}

async function down(cmd: Extract<Command, { kind: "down" }>): Promise<number> {
  const dir = resolve(cmd.dir);
  if (!existsSync(dir)) {
    out(`nothing to stop: ${dir} does not exist`);
    return 0;
  }
  const n = await stopPlaneDir(dir, { clean: cmd.clean, log: (m) => err(m) });
  out(n > 0 ? `stopped ${n} process(es) from ${dir}` : `nothing was running from ${dir}`);
  if (cmd.clean) out(`removed ${dir}`);
  return 0;
}

function status(cmd: Extract<Command, { kind: "status" }>): number {
  const dir = resolve(cmd.dir);
  const clusters = planeStatus(dir);
  if (cmd.json) {
    out(JSON.stringify({ dir, clusters }, null, 2));
    return 0;
  }
  if (clusters.length === 0) {
    out(`no clusters in ${dir}`);
    return 0;
  }
  const rows = [
    ["NAME", "ROLE", "STATE", "SERVER", "KUBECONFIG"],
    ...clusters.map((c) => [
      c.name,
      c.role ?? "?",
      c.running ? "running" : c.processes.some((p) => p.alive) ? "degraded" : "stopped",
      c.server ?? "-",
      c.kubeconfigPath,
    ]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  for (const r of rows) out(r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ").trimEnd());
  return 0;
}

function kubeconfig(cmd: Extract<Command, { kind: "kubeconfig" }>): number {
  const path = clusterPaths(resolve(cmd.dir), cmd.name).kubeconfig;
  if (!existsSync(path)) {
    throw new UsageError(`no kubeconfig for cluster "${cmd.name}" at ${path} (is it up? see \`localplane status --dir ${cmd.dir}\`)`);
  }
  out(path);
  return 0;
}

/** freeze/thaw: SIGSTOP/SIGCONT one process of a running cluster, found in its pids.json. */
function freezeOrThaw(cmd: Extract<Command, { kind: "freeze" | "thaw" }>): number {
  if (!(COMPONENTS as readonly string[]).includes(cmd.component)) throw new UsageError(`${cmd.kind}: unknown component "${cmd.component}" (one of ${COMPONENTS.join(", ")})`);
  const paths = clusterPaths(resolve(cmd.dir), cmd.name);
  const proc = liveProcesses(readPidFile(paths.pidFile)).find((p) => p.name === cmd.component);
  if (!proc) throw new UsageError(`${cmd.kind}: no running ${cmd.component} in cluster "${cmd.name}" (see \`localplane status --dir ${cmd.dir}\`)`);
  signal(proc.pid, cmd.kind === "freeze" ? "SIGSTOP" : "SIGCONT");
  out(`${cmd.kind === "freeze" ? "froze" : "thawed"} ${cmd.name}/${cmd.component} (pid ${proc.pid})`);
  return 0;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    const cmd = parseCli(argv);
    switch (cmd.kind) {
      case "help":
        out(helpText(cmd.topic) + (cmd.topic === undefined ? `\nThis is ${versionLine()}.\n` : ""));
        return 0;
      case "version":
        out(versionLine());
        return 0;
      case "up":
        return await up(cmd);
      case "down":
        return await down(cmd);
      case "status":
        return status(cmd);
      case "kubeconfig":
        return kubeconfig(cmd);
      case "freeze":
      case "thaw":
        return freezeOrThaw(cmd);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      err(e.message);
      return 2;
    }
    if (e instanceof LocalplaneError) {
      err(`error: ${e.message}`);
      return 1;
    }
    err(`internal error (a bug; please report it):`);
    console.error(e);
    return 70;
  }
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
// Do not wait for idle sockets of API clients.
process.exit(code);
