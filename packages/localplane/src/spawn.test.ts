import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { liveProcesses, readPidFile, stopFromPidFile, writePidFile } from "./pidfile.js";
import { isAlive, isOurs } from "./proc.js";
import { guardedPids } from "./reaper.js";
import { spawnLogged, tailFile } from "./spawn.js";

const dir = mkdtempSync(join(tmpdir(), "localplane-spawn-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A node process that logs a line and idles; `dir` is in its command line. */
function idler(name: string) {
  return spawnLogged({
    name,
    exe: process.execPath,
    args: ["-e", "console.log('hello from ' + process.argv[1]); setInterval(() => {}, 1e9)", join(dir, name)],
    logPath: join(dir, "logs", `${name}.log`),
    marker: dir,
  });
}

describe("spawnLogged", () => {
  it("logs to a file, guards the child and stops it with SIGTERM", async () => {
    const p = await idler("one");
    expect(isAlive(p.record.pid)).toBe(true);
    expect(guardedPids()).toContain(p.record.pid);
    await expect.poll(() => tailFile(p.record.logPath)).toContain(`hello from ${join(dir, "one")}`);
    await p.stop(2_000);
    expect(isAlive(p.record.pid)).toBe(false);
    expect(guardedPids()).not.toContain(p.record.pid);
    expect((await p.exited).signal).toBe("SIGTERM");
  });

  it("fails clearly for a missing binary", async () => {
    await expect(spawnLogged({ name: "x", exe: join(dir, "nope"), args: [], logPath: join(dir, "logs", "x.log"), marker: dir })).rejects.toThrow(
      /cannot start x .*ENOENT/,
    );
  });
});

describe("pid files", () => {
  it("stops live processes that are ours and ignores recycled pids", async () => {
    const a = await idler("a");
    const b = await idler("b");
    const file = join(dir, "pids.json");
    // pid 1 is alive but its command line lacks the marker: never touched.
    writePidFile(file, { ownerPid: 0, processes: [a.record, b.record, { ...a.record, name: "init", pid: 1 }] });
    expect(readPidFile(file)?.processes).toHaveLength(3);
    expect(isOurs(1, dir)).toBe(false);
    expect(liveProcesses(readPidFile(file)).map((p) => p.name)).toEqual(["a", "b"]);
    const stopped = await stopFromPidFile(file, 2_000);
    expect(stopped.map((p) => p.name)).toEqual(["a", "b"]);
    expect(isAlive(a.record.pid) || isAlive(b.record.pid)).toBe(false);
    expect(readPidFile(file)).toBeUndefined();
  });
});
