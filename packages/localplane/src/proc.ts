/**
 * Liveness, identity and termination of processes by pid, including ones a
 * previous run started (so not our children). Linux first (/proc), with a
 * `ps` fallback elsewhere.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/** True when the pid names a running process (zombies count as gone). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but is not ours; still alive.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return true;
  }
}

/** The command line of a process, or undefined when it cannot be read. */
export function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
  } catch {
    try {
      return execFileSync("ps", ["-o", "command=", "-p", String(pid)], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim() || undefined;
    } catch {
      return undefined;
    }
  }
}

/**
 * True when the pid is alive and its command line contains `marker` (a path
 * unique to one cluster), so a recycled pid is never mistaken for ours.
 */
export function isOurs(pid: number, marker: string): boolean {
  if (!isAlive(pid)) return false;
  const cmd = commandLine(pid);
  return cmd !== undefined && cmd.includes(marker);
}

/** Sends a signal to the process group of `pid` (our children lead one), else to the pid. */
export function signal(pid: number, sig: NodeJS.Signals, group = true): void {
  if (group) {
    try {
      process.kill(-pid, sig);
      return;
    } catch {
      // not a group leader (or already gone): fall through
    }
  }
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** Polls until the pid is gone; true if it went within the time. */
export async function waitGone(pid: number, timeoutMs: number, intervalMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
  return true;
}

/**
 * SIGTERM, wait up to `graceMs`, then SIGKILL and wait again. Resolves
 * to how the process ended.
 */
export async function terminate(
  pid: number,
  graceMs: number,
  opts: { group?: boolean } = {},
): Promise<"gone" | "terminated" | "killed" | "survived"> {
  if (!isAlive(pid)) return "gone";
  signal(pid, "SIGTERM", opts.group ?? true);
  if (await waitGone(pid, graceMs)) return "terminated";
  signal(pid, "SIGKILL", opts.group ?? true);
  return (await waitGone(pid, 5_000)) ? "killed" : "survived";
}
