/**
 * The `work-agent` command line: help, usage errors, the cluster name from
 * the spoke's ClusterProperty, the heartbeat Lease, and a clean SIGTERM.
 */
import { spawnSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { AGENT_LEASE_NAME, CLUSTER_ID_PROPERTY, CLUSTER_PROPERTIES_ANNOTATION, KUBERNETES_VERSION_ANNOTATION } from "@work-api/api";
import { clients, hubKubeconfig, isNotFound, pinnedKubeVersion, spokeKubeconfig, uniqueName, waitFor } from "./env.js";
import { AGENT_BIN, mintAgentKubeconfig, startAgent } from "./agent-harness.js";
import { AGENT_FLAGS } from "@work-api/agent";
import { REPO, gitShortHead, packageVersion, runBin, stampBuild } from "./build-info.js";

const hub = clients(hubKubeconfig());
const spoke2 = clients(spokeKubeconfig(2));
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

function run(args: string[], env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [AGENT_BIN, ...args], { env: { ...process.env, ...env }, encoding: "utf8", timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const clusterIdRef = { group: "about.k8s.io", version: "v1beta1", plural: "clusterproperties", name: CLUSTER_ID_PROPERTY };

describe("work-agent command line", () => {
  it("documents every flag with its default and environment variable", () => {
    const r = run(["--help"]);
    expect(r.code).toBe(0);
    for (const f of AGENT_FLAGS) {
      expect(r.stdout).toContain(`--${f.name}`);
      if (f.env) expect(r.stdout).toContain(f.env);
    }
  });

  it("--version prints the package version and the commit it was built from, and --help says so", () => {
    stampBuild();
    const line = `work-agent ${packageVersion("agent")} (commit ${gitShortHead()})`;
    // No hub kubeconfig needed, as with --help.
    const r = runBin("work-agent", ["--version"], { ...process.env, WORK_AGENT_HUB_KUBECONFIG: "" });
    expect(r).toEqual({ code: 0, stdout: `${line}\n`, stderr: "" });
    expect(packageVersion("agent")).toBe(packageVersion("."));
    expect(runBin("work-agent", ["--help"]).stdout).toContain(`  --version\n      Print the version and exit: ${line}\n`);
  });

  it("exits 2 with a clear message when the hub kubeconfig is missing", () => {
    const r = run([], { WORK_AGENT_HUB_KUBECONFIG: "" });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("missing required flag --hub-kubeconfig (or $WORK_AGENT_HUB_KUBECONFIG)");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("exits 2 on an unknown flag or a bad value", () => {
    expect(run(["--hub-kubeconfig", "x", "--bogus"]).code).toBe(2);
    const r = run(["--hub-kubeconfig", "x", "--resync-period", "often"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--resync-period: invalid duration "often"');
  });

  it("takes the cluster name from the spoke's ClusterProperty and renews its Lease there", async () => {
    const prop = (await spoke2.custom.getClusterCustomObject(clusterIdRef)) as { spec: { value: string } };
    const name = prop.spec.value;
    let created = false;
    try {
      await hub.core.createNamespace({ body: { metadata: { name } } });
      created = true;
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
    }
    if (created) cleanups.push(async () => void (await hub.core.deleteNamespace({ name })));
    const creds = await mintAgentKubeconfig(hubKubeconfig(), name);
    const agent = await startAgent({ hubKubeconfig: creds, spokeKubeconfig: spokeKubeconfig(2), args: ["--lease-duration", "8s"] });
    try {
      const lease = await waitFor(async () => {
        try {
          return await hub.objects.read({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: AGENT_LEASE_NAME, namespace: name } });
        } catch (err) {
          if (isNotFound(err)) return undefined;
          throw err;
        }
      }, { message: "heartbeat lease" });
      const ann = lease.metadata?.annotations ?? {};
      expect(ann[KUBERNETES_VERSION_ANNOTATION]).toBe(pinnedKubeVersion());
      expect(JSON.parse(ann[CLUSTER_PROPERTIES_ANNOTATION] ?? "[]")).toContainEqual({ name: CLUSTER_ID_PROPERTY, value: name });
      const first = (lease as { spec?: { renewTime?: string } }).spec?.renewTime;
      await waitFor(async () => {
        const l = (await hub.objects.read({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: AGENT_LEASE_NAME, namespace: name } })) as { spec?: { renewTime?: string } };
        return l.spec?.renewTime !== first;
      }, { timeoutMs: 15_000, message: "lease renewed" });
    } finally {
      expect(await agent.stop("SIGTERM")).toBe(0);
    }
    expect(agent.output()).toContain("work agent stopped");
    // The start-up log line names the build, and the Node.js release `make test` pins
    // (scripts/versions.env), not the toolchain's.
    const starting = agent.output().split("\n").find((l) => l.includes('"work-agent starting"'));
    expect(JSON.parse(starting ?? "{}")).toMatchObject({ version: packageVersion("agent"), commit: gitShortHead(), node: process.version });
    // scripts/run-e2e.sh (make test) sets the pinned release: a suite on another Node fails here.
    if (process.env.E2E_EXPECT_NODE !== undefined) expect(process.version).toBe(process.env.E2E_EXPECT_NODE);
  });

  it("exits 2 naming both ways to set the cluster name when neither is there", async () => {
    const saved = (await spoke2.custom.getClusterCustomObject(clusterIdRef)) as { spec: { value: string } };
    await spoke2.custom.deleteClusterCustomObject(clusterIdRef);
    try {
      const creds = await mintAgentKubeconfig(hubKubeconfig(), "default");
      const r = run(["--hub-kubeconfig", creds, "--spoke-kubeconfig", spokeKubeconfig(2), "--health-addr", "0", "--metrics-addr", "0"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("--cluster-name");
      expect(r.stderr).toContain(CLUSTER_ID_PROPERTY);
    } finally {
      await spoke2.custom.createClusterCustomObject({ group: "about.k8s.io", version: "v1beta1", plural: "clusterproperties", body: { apiVersion: "about.k8s.io/v1beta1", kind: "ClusterProperty", metadata: { name: CLUSTER_ID_PROPERTY }, spec: { value: saved.spec.value } } });
    }
  });

  it("runs with its health and metrics ports taken, saying so, instead of crashing", async () => {
    const ns = uniqueName("agent-ports");
    await hub.core.createNamespace({ body: { metadata: { name: ns } } });
    cleanups.push(async () => void (await hub.core.deleteNamespace({ name: ns })));
    const creds = await mintAgentKubeconfig(hubKubeconfig(), ns);
    const first = await startAgent({ hubKubeconfig: creds, spokeKubeconfig: spokeKubeconfig(2), clusterName: ns });
    const second = await startAgent({ hubKubeconfig: creds, spokeKubeconfig: spokeKubeconfig(2), clusterName: ns, args: ["--health-addr", `127.0.0.1:${first.metricsPort}`, "--metrics-addr", `127.0.0.1:${first.metricsPort}`], readyz: false });
    try {
      await waitFor(() => second.output().includes("cannot listen"), { message: "port-in-use log line" });
      await new Promise((r) => setTimeout(r, 1000));
      expect(second.proc.exitCode).toBeNull();
    } finally {
      expect(await second.stop()).toBe(0);
      expect(await first.stop()).toBe(0);
    }
  });
});

describe("the build stamp (scripts/build-info.ts)", () => {
  const print = (env: NodeJS.ProcessEnv): string => spawnSync("npx", ["tsx", "scripts/build-info.ts", "--print"], { cwd: REPO, env, encoding: "utf8", timeout: 60_000 }).stdout;

  it("takes $WORK_API_COMMIT (an image build without .git), else git, else says unknown", () => {
    expect(JSON.parse(print({ ...process.env, WORK_API_COMMIT: "f00ba47" }))).toEqual({ commit: "f00ba47" });
    expect(JSON.parse(print(process.env))).toEqual({ commit: gitShortHead() });
    // A tree that is not a git work tree (a tarball): no git to ask.
    expect(JSON.parse(print({ ...process.env, GIT_DIR: "/nonexistent" }))).toEqual({ commit: "unknown" });
  });

  it("leaves the git tree clean", () => {
    stampBuild();
    const st = spawnSync("git", ["status", "--porcelain", "--untracked-files=all", "--", "agent", "hub", "packages/localplane"], { cwd: REPO, encoding: "utf8" });
    expect(st.stdout.split("\n").filter((l) => l.includes("build-info"))).toEqual([]);
  });
});
