/**
 * `<dir>/<name>/pids.json`: the processes of one cluster, in start order,
 * and the pid of the process that owns them. Written atomically. Used by
 * `localplane down`/`status` and by the stale-process cleanup that runs before
 * every start, so a crashed earlier run leaves nothing behind.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import type { ProcessRecord } from "./spawn.js";
import { isAlive, isOurs, terminate } from "./proc.js";

export interface PidFile {
  /** Pid of the process that started these (a `localplane up`, a test run, ...). */
  ownerPid: number;
  processes: ProcessRecord[];
}

export function readPidFile(path: string): PidFile | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const data = JSON.parse(readFileSync(path, "utf8")) as Partial<PidFile>;
    if (!Array.isArray(data.processes)) return undefined;
    return { ownerPid: typeof data.ownerPid === "number" ? data.ownerPid : 0, processes: data.processes };
  } catch {
    return undefined;
  }
}

export function writePidFile(path: string, data: PidFile): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(data, null, 2) + "\n");
  renameSync(tmp, path);
}

export function removePidFile(path: string): void {
  rmSync(path, { force: true });
}

/** Records of the file whose process is still alive and still ours. */
export function liveProcesses(file: PidFile | undefined): ProcessRecord[] {
  return (file?.processes ?? []).filter((p) => isOurs(p.pid, p.marker));
}

/**
 * Stops every live process listed in the file, newest first (SIGTERM,
 * SIGKILL after graceMs), then removes the file. Returns what was stopped.
 */
export async function stopFromPidFile(path: string, graceMs = 10_000): Promise<ProcessRecord[]> {
  const file = readPidFile(path);
  const live = liveProcesses(file);
  for (const p of [...live].reverse()) await terminate(p.pid, graceMs);
  removePidFile(path);
  return live;
}

/** True when the owner recorded in the file is a different live process. */
export function ownedByOtherLiveProcess(file: PidFile | undefined): boolean {
  return file !== undefined && file.ownerPid !== process.pid && file.ownerPid > 0 && isAlive(file.ownerPid) && liveProcesses(file).length > 0;
}
