/**
 * Child processes of the run (agents, the hub controller): spawned with their
 * output in a log file, stopped with SIGTERM then SIGKILL, and all killed if
 * the runner exits some other way. Also /proc readings (RSS, CPU seconds) and
 * the leak check at the end of a run.
 */
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { createWriteStream, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";

export interface ManagedProc {
  name: string;
  pid: number;
  proc: ChildProcess;
  logPath: string;
  /** Resolves with the exit code (or signal name) when the process exits. */
  exited: Promise<number | string | null>;
  alive(): boolean;
  /** SIGTERM, then SIGKILL after graceMs; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
  /** The last bytes of its log. */
  tail(bytes?: number): string;
}

const live = new Set<ManagedProc>();
/** Every pid this run spawned, for the leak check. */
export const spawnedPids: number[] = [];

process.on("exit", () => {
  for (const p of live) {
    try {
      p.proc.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
});

export function spawnManaged(name: string, exe: string, args: readonly string[], logPath: string, env: NodeJS.ProcessEnv = process.env): ManagedProc {
  const out = createWriteStream(logPath, { flags: "a" });
  const proc = spawn(exe, [...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  if (proc.pid === undefined) throw new Error(`cannot start ${name}: ${exe}`);
  proc.stdout.pipe(out, { end: false });
  proc.stderr.pipe(out, { end: false });
  const exited = new Promise<number | string | null>((resolve) => {
    proc.once("exit", (code, signal) => {
      live.delete(m);
      resolve(code ?? signal);
    });
  });
  const m: ManagedProc = {
    name,
    pid: proc.pid,
    proc,
    logPath,
    exited,
    alive: () => proc.exitCode === null && proc.signalCode === null,
    async stop(graceMs = 10_000): Promise<void> {
      if (m.alive()) {
        proc.kill("SIGTERM");
        const timer = setTimeout(() => {
          if (m.alive()) proc.kill("SIGKILL");
        }, graceMs);
        await exited;
        clearTimeout(timer);
      }
      await exited;
      out.end();
    },
    tail(bytes = 3000): string {
      try {
        const t = readFileSync(logPath, "utf8");
        return t.slice(-bytes);
      } catch {
        return "";
      }
    },
  };
  live.add(m);
  spawnedPids.push(proc.pid);
  return m;
}

/** Stops every process still running (in parallel). */
export async function stopAllManaged(graceMs = 10_000): Promise<void> {
  await Promise.all([...live].map((p) => p.stop(graceMs)));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

let clockTicks: number | undefined;
export function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

export interface ProcSample {
  /** Resident set size now, MiB. */
  rssMiB: number;
  /** Peak resident set size so far, MiB. */
  hwmMiB: number;
  /** User + system CPU seconds so far. */
  cpuSeconds: number;
  /** When it was read (monotonic ms). */
  at: number;
}

/** RSS (VmRSS, VmHWM of /proc/PID/status) and CPU (utime + stime of /proc/PID/stat). */
export function sampleProc(pid: number): ProcSample {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command (which may hold spaces) start after the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return { rssMiB: kib("VmRSS") / 1024, hwmMiB: kib("VmHWM") / 1024, cpuSeconds: (utime + stime) / ticksPerSecond(), at: performance.now() };
}

/** True while the process exists and is not a zombie waiting to be reaped. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** Pids of processes (other than this one) whose command line contains `marker`. */
export function processesMentioning(marker: string): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, "utf8").replace(/\0/g, " ").trim();
      if (cmd.includes(marker)) out.push({ pid: Number(d), cmd: cmd.slice(0, 200) });
    } catch {
      // exited meanwhile
    }
  }
  return out;
}
