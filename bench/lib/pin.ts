/** CPU affinity with taskset(1): which processes may run on which cores. */
import { execFileSync } from "node:child_process";
import { cpus } from "node:os";

export function canPin(): string | undefined {
  if (cpus().length < 2) return "fewer than 2 cores";
  try {
    execFileSync("taskset", ["-p", String(process.pid)], { stdio: "ignore" });
    return undefined;
  } catch {
    return "taskset(1) is not available";
  }
}

/** Restricts every thread of `pid` to `cpuList` (e.g. "1", "0-1"). */
export function pin(pid: number, cpuList: string): void {
  execFileSync("taskset", ["-a", "-p", "-c", cpuList, String(pid)], { stdio: "ignore" });
}

export function allCpus(): string {
  return `0-${cpus().length - 1}`;
}
