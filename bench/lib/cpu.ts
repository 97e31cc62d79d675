/**
 * Where the CPU went during a phase: CPU seconds of each of the run's
 * processes (plane, agent, hub, this runner) and of the whole machine, so a
 * result can say how much was taken by everything else on the machine.
 */
import { readdirSync, readFileSync } from "node:fs";
import { cpus } from "node:os";
import { sampleProc, ticksPerSecond } from "./procs.js";
import { round } from "./stats.js";

export interface CpuAccount {
  wallSeconds: number;
  /** Core-seconds the machine was busy (all processes), of cores x wallSeconds. */
  machineBusy: number;
  cores: number;
  /** CPU seconds by process name. */
  byProcess: Record<string, number>;
  /** machineBusy minus the run's own processes: other work on the machine. */
  others: number;
  /** The biggest other processes (command name -> CPU seconds), to tell who else was busy. */
  topOthers: Record<string, number>;
}

/** CPU seconds of every process now: pid -> [command, seconds]. */
function allProcesses(): Map<number, [string, number]> {
  const out = new Map<number, [string, number]>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out.set(Number(d), [comm, (Number(f[11]) + Number(f[12])) / ticksPerSecond()]);
    } catch {
      // gone
    }
  }
  return out;
}

function machineTicks(): { busy: number; total: number } {
  const v = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** Starts accounting for `pids` (name -> pid); call the returned function at the end of the phase. */
export function startCpuAccount(pids: Record<string, number>): () => CpuAccount {
  const t0 = performance.now();
  const m0 = machineTicks();
  const p0: Record<string, number> = {};
  const read = (pid: number): number => {
    try {
      return sampleProc(pid).cpuSeconds;
    } catch {
      return NaN;
    }
  };
  for (const [name, pid] of Object.entries(pids)) p0[name] = read(pid);
  const all0 = allProcesses();
  return () => {
    const all1 = allProcesses();
    const ourPids = new Set(Object.values(pids));
    const others = new Map<string, number>();
    for (const [pid, [comm, sec]] of all1) {
      if (ourPids.has(pid)) continue;
      const d = sec - (all0.get(pid)?.[1] ?? 0);
      if (d > 0) others.set(comm, (others.get(comm) ?? 0) + d);
    }
    const topOthers = Object.fromEntries([...others].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([k, v]) => [k, round(v, 2)]));
    const wall = (performance.now() - t0) / 1000;
    const m1 = machineTicks();
    const byProcess: Record<string, number> = {};
    let ours = 0;
    for (const [name, pid] of Object.entries(pids)) {
      const d = read(pid) - (p0[name] ?? NaN);
      if (Number.isFinite(d)) {
        byProcess[name] = round(d, 2);
        ours += d;
      }
    }
    const cores = cpus().length;
    // /proc/stat counts USER_HZ ticks summed over cores.
    const busy = m1.total === m0.total ? 0 : ((m1.busy - m0.busy) / (m1.total - m0.total)) * cores * wall;
    return { wallSeconds: round(wall, 2), machineBusy: round(busy, 2), cores, byProcess, others: round(Math.max(0, busy - ours), 2), topOthers };
  };
}
