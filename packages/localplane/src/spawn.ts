/**
 * Starts one control plane process with its output appended to a log file,
 * in its own process group, guarded so it dies with us.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { ProcessStartError } from "./errors.js";
import { isAlive, terminate } from "./proc.js";
import { guardChild, releaseChild } from "./reaper.js";

export interface ProcessRecord {
  /** Role of the process in the cluster: etcd, kube-apiserver, kube-controller-manager. */
  name: string;
  pid: number;
  exe: string;
  /** A string in the command line that identifies it as ours (the cluster dir). */
  marker: string;
  logPath: string;
  startedAt: string;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  record: ProcessRecord;
  child: ChildProcess;
  /** Resolves when the process exits, for any reason. */
  exited: Promise<Exit>;
  /** Set once it exited. */
  exit: Exit | undefined;
  /** SIGTERM, then SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  name: string;
  exe: string;
  args: string[];
  logPath: string;
  marker: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** Last `lines` lines of a log file ("" if unreadable). */
export function tailFile(path: string, lines = 30): string {
  try {
    const text = readFileSync(path, "utf8");
    return text.split("\n").slice(-lines - 1).join("\n").trimEnd();
  } catch {
    return "";
  }
}

export async function spawnLogged(opts: SpawnOptions): Promise<ManagedProcess> {
  mkdirSync(dirname(opts.logPath), { recursive: true });
  const fd = openSync(opts.logPath, "a");
  let child: ChildProcess;
  try {
    writeSync(fd, `\n==== ${new Date().toISOString()} ${opts.exe} ${opts.args.join(" ")}\n`);
    child = spawn(opts.exe, opts.args, {
      stdio: ["ignore", fd, fd],
      detached: true,
      cwd: opts.cwd,
      env: opts.env ?? process.env,
    });
  } finally {
    closeSync(fd);
  }
  // Wait for 'spawn' or 'error' so a missing binary fails here.
  await new Promise<void>((resolvePromise, reject) => {
    child.once("spawn", () => resolvePromise());
    child.once("error", (err) =>
      reject(new ProcessStartError(`cannot start ${opts.name} (${opts.exe}): ${err.message}`, opts.logPath, { cause: err })),
    );
  });
  const pid = child.pid;
  if (pid === undefined) throw new ProcessStartError(`cannot start ${opts.name}: no pid`, opts.logPath);
  child.unref();
  guardChild(pid);

  const record: ProcessRecord = {
    name: opts.name,
    pid,
    exe: opts.exe,
    marker: opts.marker,
    logPath: opts.logPath,
    startedAt: new Date().toISOString(),
  };
  const managed: ManagedProcess = {
    record,
    child,
    exit: undefined,
    exited: new Promise<Exit>((resolvePromise) => {
      child.once("exit", (code, sig) => {
        releaseChild(pid);
        managed.exit = { code, signal: sig };
        resolvePromise(managed.exit);
      });
    }),
    async stop(graceMs = 10_000): Promise<void> {
      if (managed.exit === undefined && isAlive(pid)) await terminate(pid, graceMs);
      releaseChild(pid);
    },
  };
  return managed;
}

/** Describes an exit for messages. */
export function describeExit(exit: Exit): string {
  return exit.signal ? `killed by ${exit.signal}` : `exited with code ${String(exit.code)}`;
}
