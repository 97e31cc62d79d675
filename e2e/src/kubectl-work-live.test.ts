/**
 * `kubectl work get` and `kubectl work status -w` on Works a real work-agent
 * applies to spoke1: the bins of node_modules/.bin run as a user runs them,
 * `status -w` as a child that is followed on its output and stopped with
 * Ctrl-C (SIGINT).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apply, clients, hubKubeconfig, spokeKubeconfig, testNamespace, waitFor } from "./env.js";
import { mintAgentKubeconfig, startAgent, type AgentProcess } from "./agent-harness.js";
import { binPath, REPO } from "./build-info.js";
import { waitForWorkCondition, workObject } from "./work-helpers.js";

const cluster = testNamespace("kw-live");
const ns = testNamespace("kw-live-spoke", { on: ["spoke1"] });
const hub = clients(hubKubeconfig());
let agent: AgentProcess;

const cm = (name: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: ns }, data: { k: name } });
/** A kind no spoke serves: the agent reports the manifest Applied=False, KindNotFound. */
const gizmo = { apiVersion: "example.com/v1", kind: "Gizmo", metadata: { name: "g", namespace: ns } };

/** The environment of a user's shell: the hub's kubeconfig passed as a flag, nothing leaking in. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.KUBECONFIG;
  delete env.NO_COLOR;
  return env;
}

interface Child {
  proc: ChildProcess;
  out(): string;
  err(): string;
  exited: Promise<number | null>;
}

/** `kubectl-work ARGS` from node_modules/.bin, as a child whose output is collected. */
function spawnPlugin(args: readonly string[]): Child {
  const proc = spawn(binPath("kubectl-work"), [...args, "--kubeconfig", hubKubeconfig()], { cwd: REPO, env: userEnv(), stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  proc.stdout.on("data", (d: Buffer) => (out += d.toString()));
  proc.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
  children.push(proc);
  return { proc, out: () => out, err: () => err, exited };
}

const children: ChildProcess[] = [];

async function plugin(args: readonly string[]): Promise<{ code: number | null; out: string; err: string }> {
  const c = spawnPlugin(args);
  const code = await c.exited;
  return { code, out: c.out(), err: c.err() };
}

beforeAll(async () => {
  const creds = await mintAgentKubeconfig(hubKubeconfig(), cluster);
  agent = await startAgent({ hubKubeconfig: creds, spokeKubeconfig: spokeKubeconfig(1), clusterName: cluster });
  await apply(hub.objects, workObject(cluster, "good", [cm("a"), cm("b")]));
  await apply(hub.objects, workObject(cluster, "bad", [cm("c"), gizmo]));
  await waitForWorkCondition(hub.objects, cluster, "good", "Available", "True");
  await waitForWorkCondition(hub.objects, cluster, "bad", "Applied", "False");
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  if (agent) expect(await agent.stop()).toBe(0);
});

describe("kubectl work get", () => {
  it("lists with -A the Works a real agent applied: their conditions, applied manifests and the failing one", async () => {
    const r = await plugin(["get", "-A"]);
    expect(r.code, r.err).toBe(0);
    const lines = r.out.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^NAMESPACE +NAME +APPLIED +AVAILABLE +DEGRADED +MANIFESTS +FAILING +AGE$/);
    const row = (name: string): string[] | undefined => lines.find((l) => l.startsWith(`${cluster} `) && l.split(/ +/)[1] === name)?.split(/ {3,}/);
    expect(row("good")).toEqual([cluster, "good", "True", "True", "False", "2/2 applied", "-", expect.stringMatching(/^\d+s$/)]);
    const bad = row("bad");
    expect(bad?.slice(0, 3)).toEqual([cluster, "bad", "False"]);
    expect(bad?.slice(5, 7)).toEqual(["1/2 applied", "1 Gizmo/g: KindNotFound"]);
  });

  it("lists one namespace through kubectl's plugin discovery, and prints every failing manifest with -o json", async () => {
    // kubectl finds kubectl-work on PATH (and passes it none of its own flags).
    const env = { ...userEnv(), PATH: [`${REPO}/node_modules/.bin`, process.env.PATH ?? ""].join(":") };
    const k = spawnSync(process.env.KUBECTL ?? "kubectl", ["work", "get", "-n", cluster, "--kubeconfig", hubKubeconfig()], { env, encoding: "utf8", timeout: 60_000 });
    expect(k.stderr).toBe("");
    expect(k.stdout.split("\n").map((l) => l.split(/ +/)[0])).toEqual(["NAME", "bad", "good", ""]);
    const json = JSON.parse((await plugin(["get", "bad", "-n", cluster, "-o", "json"])).out);
    expect(json.items).toHaveLength(1);
    expect(json.items[0].failing).toEqual([expect.objectContaining({ ordinal: 1, kind: "Gizmo", name: "g", condition: "Applied", reason: "KindNotFound", message: expect.stringMatching(/^manifest 1 \(Gizmo /) })]);
  });
});

describe("kubectl work status -w", () => {
  it("prints the status, prints it again when the Work changes, and exits 0 on Ctrl-C", async () => {
    await apply(hub.objects, workObject(cluster, "live", [cm("d")]));
    await waitForWorkCondition(hub.objects, cluster, "live", "Applied", "True");
    const w = spawnPlugin(["status", "live", "-n", cluster, "-w"]);
    await waitFor(() => w.out().includes("└─ [0] v1/ConfigMap") || w.proc.exitCode !== null, { timeoutMs: 30_000, intervalMs: 50, message: "the first status" });
    expect(w.proc.exitCode, w.err()).toBeNull();
    expect(w.out()).toMatch(/^Work: {8}live\nNamespace: {3}\S+\nGeneration: {2}1\n/);
    expect(w.out()).toMatch(/\n {2}Applied +True +AppliedWorkComplete/);

    // A second manifest, of a kind the spoke does not serve: the agent fails it, and the watch shows it.
    await apply(hub.objects, workObject(cluster, "live", [cm("d"), gizmo]));
    await waitFor(() => /\n── \S+ ──\n[^]*└─ \[1\] example\.com\/v1\/Gizmo \S+\/g\n[^]*✗ Applied +False +KindNotFound/.test(w.out()), {
      timeoutMs: 60_000,
      intervalMs: 50,
      message: "the status printed again with the failing manifest",
    });
    expect(w.out()).toMatch(/Generation: {2}2\n/);
    w.proc.kill("SIGINT");
    expect(await w.exited).toBe(0);
    expect(w.err()).toBe("");
  });

  it("-o json -w prints one document a line, and says so and exits 0 when the Work is deleted", async () => {
    await apply(hub.objects, workObject(cluster, "doomed", [cm("e")]));
    await waitForWorkCondition(hub.objects, cluster, "doomed", "Applied", "True");
    const w = spawnPlugin(["status", "doomed", "-n", cluster, "-o", "json", "-w"]);
    await waitFor(() => w.out().includes("\n") || w.proc.exitCode !== null, { timeoutMs: 30_000, intervalMs: 50, message: "the first document" });
    await hub.objects.delete(workObject(cluster, "doomed", []));
    expect(await w.exited).toBe(0);
    const docs = w.out().trimEnd().split("\n").map((l) => JSON.parse(l) as { work: { name: string; deletionTimestamp: string | null } });
    expect(docs[0]?.work).toMatchObject({ name: "doomed", deletionTimestamp: null });
    // The agent's finalizer holds the Work while it cleans up: seen as deleting, then gone.
    expect(docs.at(-1)?.work.deletionTimestamp).not.toBeNull();
    expect(w.err()).toBe(`kubectl work: Work "doomed" in namespace "${cluster}" was deleted\n`);
  });
});
