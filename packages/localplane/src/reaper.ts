/**
 * Makes sure the processes a plane started die with the process that
 * started them, however it dies.
 *
 * Two layers:
 * - a process 'exit' handler that signals every live child synchronously
 *   (covers normal exit, process.exit(), uncaught exceptions);
 * - a tiny watchdog process (node -e) holding the read end of a pipe from
 *   us. When we die, even by SIGKILL, the pipe closes and the watchdog
 *   terminates the children it was told about (SIGTERM, then SIGKILL).
 *
 * A crash of the machine itself is covered by the stale-pid cleanup in
 * pidfile.ts on the next start.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { signal } from "./proc.js";

const WATCHDOG_SOURCE = `
const pids = new Set();
let buf = "";
for (const s of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(s, () => {});
const fs = require("node:fs");
const alive = (p) => {
  try { process.kill(p, 0); } catch { return false; }
  try { const s = fs.readFileSync("/proc/" + p + "/stat", "utf8"); return s[s.lastIndexOf(")") + 2] !== "Z"; } catch { return true; }
};
const hit = (p, s) => { try { process.kill(-p, s); } catch { try { process.kill(p, s); } catch {} } };
let done = false;
const reap = () => {
  if (done) return; done = true;
  for (const p of pids) hit(p, "SIGTERM");
  const deadline = Date.now() + 5000;
  const tick = () => {
    const left = [...pids].filter(alive);
    if (left.length === 0) process.exit(0);
    if (Date.now() > deadline) { for (const p of left) hit(p, "SIGKILL"); process.exit(0); }
    setTimeout(tick, 100);
  };
  tick();
};
process.stdin.setEncoding("utf8");
process.stdin.on("data", (d) => {
  buf += d;
  let i;
  while ((i = buf.indexOf("\\n")) >= 0) {
    const line = buf.slice(0, i); buf = buf.slice(i + 1);
    const pid = Number(line.slice(1));
    if (!Number.isInteger(pid) || pid <= 0) continue;
    if (line[0] === "+") pids.add(pid); else pids.delete(pid);
  }
});
process.stdin.on("end", reap);
process.stdin.on("error", reap);
`;

const children = new Set<number>();
let watchdog: ChildProcess | undefined;
let exitHandlerInstalled = false;

function onExit(): void {
  for (const pid of children) signal(pid, "SIGTERM");
}

function ensureWatchdog(): ChildProcess | undefined {
  if (watchdog && watchdog.exitCode === null && watchdog.signalCode === null) return watchdog;
  if (process.env.LOCALPLANE_NO_WATCHDOG === "1") return undefined;
  try {
    const child = spawn(process.execPath, ["-e", WATCHDOG_SOURCE, "localplane-watchdog", String(process.pid)], {
      stdio: ["pipe", "ignore", "ignore"],
      detached: true,
    });
    child.on("error", () => undefined);
    child.stdin?.on("error", () => undefined);
    child.unref();
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    watchdog = child;
    // Tell a new watchdog about children registered before it existed.
    for (const pid of children) child.stdin?.write(`+${pid}\n`);
    return child;
  } catch {
    return undefined;
  }
}

/** Tracks a child pid: it is terminated if this process exits first. */
export function guardChild(pid: number): void {
  if (!exitHandlerInstalled) {
    process.on("exit", onExit);
    exitHandlerInstalled = true;
  }
  children.add(pid);
  const w = ensureWatchdog();
  w?.stdin?.write(`+${pid}\n`);
}

/** Stops tracking a pid (it exited or was stopped on purpose). */
export function releaseChild(pid: number): void {
  children.delete(pid);
  watchdog?.stdin?.write(`-${pid}\n`);
  if (children.size === 0 && watchdog) {
    // Nothing left to guard: let the watchdog exit instead of lingering.
    watchdog.stdin?.end();
    watchdog = undefined;
  }
}

/** Pids currently guarded (for tests and diagnostics). */
export function guardedPids(): number[] {
  return [...children];
}
