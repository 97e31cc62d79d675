/**
 * The `localplane` CLI as a user runs it: `up` in a child process, kubectl
 * against the clusters, Ctrl-C (SIGINT) and `down` stop everything.
 * Needs the compiled CLI (`npx tsc -b`, done by `make build`).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAlive } from "@work-api/localplane";
import { kubectl, kubectlOk, pinnedKubeVersion, waitFor } from "./env.js";
import { gitShortHead, packageVersion, runBin, stampBuild } from "./build-info.js";

const bin = fileURLToPath(new URL("../../packages/localplane/bin/localplane.js", import.meta.url));
const compiled = fileURLToPath(new URL("../../packages/localplane/dist/cli.js", import.meta.url));

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function run(args: string[]): Run {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

function runSync(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function pidsOf(dir: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync(dir)) {
    const f = join(dir, name, "pids.json");
    if (!existsSync(f)) continue;
    const data = JSON.parse(readFileSync(f, "utf8")) as { processes: { pid: number }[] };
    out.push(...data.processes.map((p) => p.pid));
  }
  return out;
}

function processesMentioning(text: string): number[] {
  return readdirSync("/proc")
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(text) && isAlive(pid);
      } catch {
        return false;
      }
    });
}

describe("localplane CLI", () => {
  // Made in beforeAll so a filtered-out suite leaves no temp dir.
  let dir = "";
  const kubeconfig = (name: string): string => join(dir, name, "kubeconfig");
  const running: Run[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "localplane-cli-"));
    if (!existsSync(compiled)) throw new Error(`${compiled} is missing: run \`npx tsc -b\` (or make build) first`);
  });

  afterAll(async () => {
    for (const r of running) if (r.child.exitCode === null) r.child.kill("SIGINT");
    await Promise.all(running.map((r) => r.exited));
    if (!dir) return;
    spawnSync(process.execPath, [bin, "down", "--dir", dir]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("documents its commands and flags", () => {
    const r = runSync(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("localplane up NAME[:ROLE]...");
    const up = runSync(["up", "--help"]);
    expect(up.stdout).toMatch(/--dir DIR.*default \.localplane/);
    expect(up.stdout).toContain("--clean");
  });

  it("--version prints the package version and the commit it was built from", () => {
    stampBuild();
    const line = `localplane ${packageVersion("packages/localplane")} (commit ${gitShortHead()})`;
    expect(runBin("localplane", ["--version"])).toEqual({ code: 0, stdout: `${line}\n`, stderr: "" });
    expect(runBin("localplane", ["--help"]).stdout).toContain(`localplane --version`);
    expect(runBin("localplane", ["--help"]).stdout).toContain(`This is ${line}.`);
  });

  it("fails with a clear message and no stack trace on user errors", () => {
    const bad = runSync(["up", "hub", "--bin-dir", join(dir, "no-such-dir")]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("make build");
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    const usage = runSync(["up", "Bad_Name"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("invalid cluster name");
  });

  it("`up` starts clusters kubectl can use; SIGINT stops them all and exits 0", async () => {
    const up = run(["up", "hub", "spoke1", "--dir", dir, "--nodes", "2"]);
    running.push(up);
    await waitFor(() => up.stdout().includes("Press Ctrl-C") || up.child.exitCode !== null, { timeoutMs: 150_000, intervalMs: 200 });
    expect(up.child.exitCode, up.stderr()).toBeNull();
    expect(up.stdout()).toContain(`kubectl --kubeconfig ${kubeconfig("hub")}`);

    const ns = await kubectlOk(kubeconfig("spoke1"), ["get", "ns", "-o", "name"]);
    expect(ns).toContain("namespace/default");
    const version = JSON.parse(await kubectlOk(kubeconfig("hub"), ["version", "-o", "json"])) as { serverVersion: { gitVersion: string } };
    expect(version.serverVersion.gitVersion).toBe(pinnedKubeVersion());

    const status = JSON.parse(runSync(["status", "--dir", dir, "--json"]).stdout) as { clusters: { name: string; role: string; running: boolean }[] };
    expect(status.clusters.map((c) => [c.name, c.role, c.running])).toEqual([
      ["hub", "hub", true],
      ["spoke1", "spoke", true],
    ]);
    expect(runSync(["kubeconfig", "spoke1", "--dir", dir]).stdout.trim()).toBe(kubeconfig("spoke1"));

    // --nodes 2: two Ready fake nodes on the spoke, none on the hub.
    expect((await kubectlOk(kubeconfig("spoke1"), ["get", "nodes", "-o", "jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=='Ready')].status} {end}"])).trim()).toBe("spoke1-node-0=True spoke1-node-1=True");
    expect((await kubectlOk(kubeconfig("hub"), ["get", "nodes", "-o", "name"])).trim()).toBe("");
    const pids = pidsOf(dir);
    // hub: etcd, kube-apiserver, kube-controller-manager; spoke: the same plus kube-scheduler and kwok.
    expect(pids).toHaveLength(8);
    up.child.kill("SIGINT");
    expect(await up.exited).toBe(0);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(processesMentioning(dir)).toEqual([]);
    const after = await kubectl(kubeconfig("hub"), ["get", "ns", "--request-timeout=2s"]);
    expect(after.code).not.toBe(0);
  });

  it("`down` stops a running `up` (warm start), which then exits 0", async () => {
    const up = run(["up", "hub", "spoke1", "--dir", dir, "--nodes", "2"]);
    running.push(up);
    await waitFor(() => up.stdout().includes("Press Ctrl-C") || up.child.exitCode !== null, { timeoutMs: 150_000, intervalMs: 200 });
    expect(up.child.exitCode, up.stderr()).toBeNull();
    expect(up.stdout()).toContain("hub (hub, warm)");
    const pids = pidsOf(dir);
    expect(pids.every(isAlive)).toBe(true);

    // freeze/thaw one component: the API server stops answering, then answers again; `up` keeps running.
    const kubeconfig = runSync(["kubeconfig", "hub", "--dir", dir]).stdout.trim();
    const get = (): ReturnType<typeof spawnSync> => spawnSync("kubectl", ["--kubeconfig", kubeconfig, "--request-timeout=2s", "get", "ns", "default", "-o", "name"], { encoding: "utf8" });
    const frozen = runSync(["freeze", "hub", "kube-apiserver", "--dir", dir]);
    expect(frozen.code, frozen.stderr).toBe(0);
    expect(frozen.stdout).toMatch(/froze hub\/kube-apiserver \(pid \d+\)/);
    expect(get().status).not.toBe(0);
    expect(runSync(["thaw", "hub", "kube-apiserver", "--dir", dir]).code).toBe(0);
    expect(String(get().stdout).trim()).toBe("namespace/default");
    expect(runSync(["freeze", "hub", "kube-nope", "--dir", dir]).code).toBe(2);
    expect(up.child.exitCode).toBeNull();

    const down = runSync(["down", "--dir", dir]);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toContain("stopped 8 process(es)");
    expect(await up.exited).toBe(0);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(processesMentioning(dir)).toEqual([]);
  });
});

describe("process hygiene when the process that started a plane dies", () => {
  let dir = "";
  const library = fileURLToPath(new URL("../../packages/localplane/dist/index.js", import.meta.url));
  const owners: ChildProcess[] = [];

  /** A node process that starts a one-cluster plane and idles. */
  function startOwner(env: NodeJS.ProcessEnv = {}): { child: ChildProcess; ready: Promise<number[]> } {
    const script = `
      const { startPlane } = await import(${JSON.stringify(library)});
      const p = await startPlane({ dir: ${JSON.stringify(dir)}, clusters: [{ name: "solo", role: "spoke" }] });
      console.log("READY " + p.cluster("solo").processes.map((x) => x.pid).join(","));
      setInterval(() => {}, 1e9);`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
    owners.push(child);
    let out = "";
    let err = "";
    child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
    const ready = new Promise<number[]>((resolveReady, reject) => {
      child.stdout?.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /READY ([\d,]+)/.exec(out);
        if (m?.[1]) resolveReady(m[1].split(",").map(Number));
      });
      child.on("exit", (code) => reject(new Error(`owner exited ${String(code)} before READY: ${err}`)));
    });
    return { child, ready };
  }

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "localplane-owner-"));
  });

  afterAll(async () => {
    if (!dir) return;
    for (const o of owners) if (o.exitCode === null && o.signalCode === null) o.kill("SIGKILL");
    spawnSync(process.execPath, [bin, "down", "--dir", dir]);
    await waitFor(() => processesMentioning(dir).length === 0, { timeoutMs: 15_000 });
    rmSync(dir, { recursive: true, force: true });
  });

  it("kills the plane's processes when the owner is SIGKILLed (watchdog)", async () => {
    const owner = startOwner();
    const pids = await owner.ready;
    expect(pids.every(isAlive)).toBe(true);
    owner.child.kill("SIGKILL");
    await waitFor(() => pids.filter(isAlive).length === 0, { timeoutMs: 15_000, message: "children of a SIGKILLed owner exit" });
    expect(processesMentioning(dir)).toEqual([]);
  });

  it("stops leftovers of a crashed run (no watchdog) on the next start", async () => {
    const first = startOwner({ LOCALPLANE_NO_WATCHDOG: "1" });
    const stale = await first.ready;
    first.child.kill("SIGKILL");
    await new Promise((r) => first.child.once("exit", r));
    expect(stale.every(isAlive)).toBe(true); // nothing cleaned up yet

    const second = startOwner();
    const fresh = await second.ready;
    expect(stale.filter(isAlive)).toEqual([]);
    expect(fresh.every(isAlive)).toBe(true);
    second.child.kill("SIGTERM");
    await waitFor(() => fresh.filter(isAlive).length === 0, { timeoutMs: 15_000, message: "children of a SIGTERMed owner exit" });
  });
});
