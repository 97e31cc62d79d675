/**
 * The `kubectl work` plugin against the real hub of the shared plane: Works
 * and ClusterProfiles whose status the test writes itself (through the
 * status subresource, so no agent or hub controller is involved), read back
 * by the built plugin run directly and through kubectl's plugin discovery.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { CLUSTER_MANAGER_LABEL, ClusterProfileResource, WorkResource, type ClusterProfile, type Condition, type KubeObject, type Work } from "@work-api/api";
import { KubeClient } from "@work-api/runtime";
import { hubKubeconfig, testNamespace, uniqueName } from "./env.js";
import { gitShortHead, packageVersion, runBin, stampBuild } from "./build-info.js";

const REPO = resolve(import.meta.dirname, "../..");
const BIN = join(REPO, "hub/bin/kubectl-work.js");
const KUBECTL = process.env.KUBECTL ?? "kubectl";

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function exec(file: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<Result> {
  return new Promise((resolvePromise, reject) => {
    execFile(file, args, { env, cwd: REPO, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof err.code === "string") reject(new Error(`cannot run ${file}: ${err.message}`, { cause: err }));
      else resolvePromise({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

/** The environment of a user's shell: no kubeconfig of the test runner leaks in, no colour hints. */
function shellEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.KUBECONFIG;
  delete env.NO_COLOR;
  delete env.WORK_HUB_INVENTORY_NAMESPACE;
  return { ...env, ...extra };
}

/** `node hub/bin/kubectl-work.js ARGS` */
function plugin(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Result> {
  return exec(process.execPath, [BIN, ...args], shellEnv(env));
}

/** `kubectl work ARGS` with the workspace's bin dir on PATH, where kubectl finds the plugin. */
function kubectlWork(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Result> {
  const path = [join(REPO, "node_modules/.bin"), dirname(process.execPath), process.env.PATH ?? ""].join(delimiter);
  return exec(KUBECTL, ["work", ...args], shellEnv({ PATH: path, ...env }));
}

const admin = KubeClient.fromFile(hubKubeconfig());
const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, "Z");

function cond(type: string, status: Condition["status"], reason: string, message: string, observedGeneration?: number): Condition {
  return { type, status, reason, message, lastTransitionTime: now(), ...(observedGeneration !== undefined ? { observedGeneration } : {}) };
}

const LONG =
  'admission webhook "policy.example.com" denied the request: spec.template.spec.containers[0].image: Invalid value: "nginx:latest": ' +
  "images must be pinned by digest; see https://example.com/policies/pinning for how to pin an image and why unpinned images are rejected";

/** Creates a Work, then writes its status through the status subresource. */
async function workWithStatus(namespace: string, name: string, manifests: object[], status: (generation: number) => Work["status"]): Promise<Work> {
  const created = await admin.create<Work>(WorkResource, {
    apiVersion: "multicluster.x-k8s.io/v1alpha1",
    kind: "Work",
    metadata: { name, namespace },
    spec: { workload: { manifests: manifests as KubeObject[] } },
  });
  return admin.updateStatus<Work>(WorkResource, { ...created, status: status(created.metadata.generation ?? 1) });
}

beforeAll(async () => {
  // The bin imports hub/dist: build it (incrementally) first.
  const build = await exec("npx", ["tsc", "-b", "hub"], process.env);
  if (build.code !== 0) throw new Error(`npx tsc -b hub failed:\n${build.stdout}${build.stderr}`);
}, 180_000);

afterAll(() => admin.close());

describe("--version of the hub package's bins", () => {
  it("prints the package version and the commit it was built from, and --help says so", () => {
    stampBuild();
    for (const bin of ["kubectl-work", "work-hub"]) {
      const line = `${bin} ${packageVersion("hub")} (commit ${gitShortHead()})`;
      expect(runBin(bin, ["--version"]), bin).toEqual({ code: 0, stdout: `${line}\n`, stderr: "" });
      expect(runBin(bin, ["--help"]).stdout, bin).toContain(`  --version\n      Print the version and exit: ${line}\n`);
    }
    expect(runBin("kubectl-work", ["version"]).stdout).toBe(`kubectl-work ${packageVersion("hub")} (commit ${gitShortHead()})\n`);
  });
});

describe("kubectl work status", () => {
  const ns = testNamespace("kw-status");
  const name = "web";
  const manifests = [
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm", namespace: "default" }, data: { a: "1" } },
    { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "default" }, spec: {} },
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "team-a" } },
  ];

  beforeAll(async () => {
    await workWithStatus(ns, name, manifests, (gen) => ({
      conditions: [
        cond("Applied", "False", "AppliedWorkFailed", `1 of 3 manifests failed to apply: [1] apps/v1/Deployment default/web: ${LONG}`, gen),
        cond("Available", "Unknown", "ManifestsNotApplied", "1 manifest is not applied", gen),
      ],
      manifestConditions: [
        {
          identifier: { ordinal: 0, group: "", version: "v1", kind: "ConfigMap", resource: "configmaps", namespace: "default", name: "cm" },
          conditions: [cond("Applied", "True", "AppliedManifestComplete", "Applied"), cond("Available", "True", "ResourceAvailable", "exists")],
        },
        {
          identifier: { ordinal: 1, group: "apps", version: "v1", kind: "Deployment", resource: "deployments", namespace: "default", name: "web" },
          conditions: [cond("Applied", "False", "AppliedManifestFailed", LONG)],
        },
        // [2] has no condition yet: pending.
      ],
    }));
  });

  it("prints the conditions and the manifest tree (run directly)", async () => {
    const r = await plugin(["status", name, "-n", ns, "--kubeconfig", hubKubeconfig()]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Work:        ${name}\nNamespace:   ${ns}\nGeneration:  1\n`);
    expect(r.stdout).toContain("Manifests:   3 (1 applied, 1 failed, 1 pending)");
    expect(r.stdout).toMatch(/\n {2}TYPE +STATUS +REASON +AGE +MESSAGE\n/);
    expect(r.stdout).toMatch(/\n {2}Applied +False +AppliedWorkFailed +\S+ +1 of 3 manifests failed to apply/);
    expect(r.stdout).toMatch(/\n {2}Available +Unknown +ManifestsNotApplied +\S+ +1 manifest is not applied\n/);
    expect(r.stdout).toMatch(/├─ \[0\] v1\/ConfigMap default\/cm\n│ {4}✓ Applied +True +AppliedManifestComplete/);
    expect(r.stdout).toMatch(/\n│ {4}✓ Available +True +ResourceAvailable/);
    expect(r.stdout).toMatch(/├─ \[1\] apps\/v1\/Deployment default\/web\n│ {4}✗ Applied +False +AppliedManifestFailed +\S+ +admission webhook/);
    expect(r.stdout).toContain("└─ [2] v1/Namespace team-a\n     … pending: no condition reported yet\n");
    // Not a terminal: no colours, and lines wrapped to 120 columns.
    expect(r.stdout).not.toContain("\u001b[");
    for (const line of r.stdout.split("\n")) expect(line.length).toBeLessThanOrEqual(120);
  });

  it("prints a stable object with -o json and -o yaml", async () => {
    const r = await plugin(["status", name, "-n", ns, "-o", "json", "--kubeconfig", hubKubeconfig()]);
    expect(r.code).toBe(0);
    const v = JSON.parse(r.stdout);
    const live = await admin.get<Work>(WorkResource, name, { namespace: ns });
    expect(v.work).toEqual({
      name,
      namespace: ns,
      uid: live.metadata.uid,
      generation: 1,
      observedGeneration: 1,
      creationTimestamp: live.metadata.creationTimestamp,
      deletionTimestamp: null,
      manifestCount: 3,
      deleteOption: null,
    });
    expect(v.conditions.map((c: Condition) => [c.type, c.status, c.reason])).toEqual([
      ["Applied", "False", "AppliedWorkFailed"],
      ["Available", "Unknown", "ManifestsNotApplied"],
    ]);
    expect(v.conditions[0].message).toContain(LONG);
    expect(v.manifests).toHaveLength(3);
    expect(v.manifests[0]).toMatchObject({ identifier: { ordinal: 0, kind: "ConfigMap", resource: "configmaps", namespace: "default", name: "cm" }, pending: false });
    expect(v.manifests[1].conditions).toEqual([expect.objectContaining({ type: "Applied", status: "False", reason: "AppliedManifestFailed", message: LONG })]);
    expect(v.manifests[2]).toEqual({
      identifier: { ordinal: 2, group: "", version: "v1", kind: "Namespace", resource: "", namespace: "", name: "team-a" },
      inSpec: true,
      pending: true,
      conditions: [],
      statusFeedback: null,
      driftDetails: null,
      diffDetails: null,
      updateStrategy: null,
    });
    const y = await plugin(["status", name, "-n", ns, "-oyaml", "--kubeconfig", hubKubeconfig()]);
    expect(y.code).toBe(0);
    expect(parseYaml(y.stdout)).toEqual(v);
  });

  it("runs as `kubectl work`, with the kubeconfig from $KUBECONFIG", async () => {
    const r = await kubectlWork(["status", name, "-n", ns], { KUBECONFIG: hubKubeconfig() });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Work:        ${name}\n`);
    expect(r.stdout).toMatch(/├─ \[1\] apps\/v1\/Deployment default\/web\n│ {4}✗ Applied/);
    const json = await kubectlWork(["status", name, "-n", ns, "-o", "json"], { KUBECONFIG: hubKubeconfig() });
    expect(JSON.parse(json.stdout).manifests).toHaveLength(3);
    const help = await kubectlWork(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("status NAME -n CLUSTER");
  });

  it("takes the namespace from --context", async () => {
    // A copy of the hub kubeconfig with a second context whose namespace is the Work's.
    const text = readFileSync(hubKubeconfig(), "utf8");
    const doc = parseYaml(text) as { contexts: { name: string; context: Record<string, string> }[] };
    const first = doc.contexts[0]!;
    doc.contexts.push({ name: "kw-ctx", context: { ...first.context, namespace: ns } });
    const tmp = mkdtempSync(join(tmpdir(), "kw-kubeconfig-"));
    const path = join(tmp, "config");
    try {
      writeFileSync(path, JSON.stringify(doc), { mode: 0o600 });
      const r = await plugin(["status", name, "--kubeconfig", path, "--context", "kw-ctx", "-o", "json"]);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).work.namespace).toBe(ns);
      const bad = await plugin(["status", name, "--kubeconfig", path, "--context", "nope"]);
      expect(bad).toMatchObject({ code: 1, stdout: "", stderr: `kubectl work: context "nope" not found in ${path}\n` });
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("exits 1 with a one-line message for a Work that does not exist", async () => {
    const r = await plugin(["status", "no-such-work", "-n", ns, "--kubeconfig", hubKubeconfig()]);
    expect(r).toEqual({ code: 1, stdout: "", stderr: `kubectl work: Work "no-such-work" not found in namespace "${ns}"\n` });
    const viaKubectl = await kubectlWork(["status", "no-such-work", "-n", ns], { KUBECONFIG: hubKubeconfig() });
    expect(viaKubectl.code).toBe(1);
    expect(viaKubectl.stderr).toContain(`kubectl work: Work "no-such-work" not found in namespace "${ns}"\n`);
    expect(viaKubectl.stderr).not.toMatch(/\n\s+at /);
  });

  it("exits 2 on usage errors", async () => {
    const r = await plugin(["status", "--kubeconfig", hubKubeconfig()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Run 'kubectl work status --help' for usage.");
    expect((await plugin(["status", name, "-n", ns, "-o", "wide", "--kubeconfig", hubKubeconfig()])).code).toBe(2);
    expect((await plugin(["nonsense"])).code).toBe(2);
  });
});

describe("kubectl work clusters", () => {
  const inv = testNamespace("kw-fleet");
  // A cluster's hub namespace is named after its ClusterProfile (hub/src/names.ts).
  const busy = testNamespace("kw-busy");
  const idle = uniqueName("kw-idle");
  const manager = "work-api";

  async function profileWithStatus(name: string, status: ClusterProfile["status"]): Promise<void> {
    const created = await admin.create<ClusterProfile>(ClusterProfileResource, {
      apiVersion: "multicluster.x-k8s.io/v1alpha1",
      kind: "ClusterProfile",
      metadata: { name, namespace: inv, labels: { [CLUSTER_MANAGER_LABEL]: manager } },
      spec: { displayName: name, clusterManager: { name: manager } },
    });
    await admin.updateStatus<ClusterProfile>(ClusterProfileResource, { ...created, status: status ?? {} });
  }

  beforeAll(async () => {
    await profileWithStatus(busy, {
      conditions: [cond("Joined", "True", "AgentJoined", "the agent renews its lease"), cond("ControlPlaneHealthy", "True", "Healthy", "the agent reaches its API server")],
      version: { kubernetes: "v1.32.4" },
    });
    await profileWithStatus(idle, { conditions: [cond("Joined", "False", "LeaseExpired", "no heartbeat")] });
    const cm = (n: string): object => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: n, namespace: "default" } });
    await workWithStatus(busy, "ok", [cm("a")], (gen) => ({
      conditions: [cond("Applied", "True", "AppliedWorkComplete", "applied", gen), cond("Available", "True", "AllAvailable", "available", gen)],
    }));
    await workWithStatus(busy, "broken", [cm("b")], (gen) => ({ conditions: [cond("Applied", "False", "AppliedWorkFailed", LONG, gen)] }));
    await workWithStatus(busy, "waiting", [cm("c")], () => ({ conditions: [] }));
  });

  afterAll(async () => {
    for (const p of [busy, idle]) await admin.delete(ClusterProfileResource, p, { namespace: inv }).catch(() => undefined);
  });

  it("lists the ClusterProfiles with their health, version and Work counts", async () => {
    const r = await plugin(["clusters", "--inventory-namespace", inv, "--kubeconfig", hubKubeconfig()]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^NAME +JOINED +HEALTHY +VERSION +WORKS +APPLIED +AVAILABLE +FAILED +AGE$/);
    const AGE = expect.stringMatching(/^\d+[smh]/);
    const row = (n: string): string[] | undefined => lines.find((l) => l.startsWith(`${n} `))?.split(/ +/);
    expect(row(busy)).toEqual([busy, "True", "True", "v1.32.4", "3", "1", "1", "1", AGE]);
    expect(row(idle)).toEqual([idle, "False", "-", "-", "0", "0", "0", "0", AGE]);
    expect(lines).toHaveLength(3);
  });

  it("prints the counts as JSON, also through kubectl", async () => {
    const r = await kubectlWork(["clusters", "--inventory-namespace", inv, "-o", "json"], { KUBECONFIG: hubKubeconfig() });
    expect(r.code).toBe(0);
    const v = JSON.parse(r.stdout);
    expect(v.inventoryNamespace).toBe(inv);
    expect(v.clusters.map((c: { name: string }) => c.name)).toEqual([busy, idle].sort());
    const b = v.clusters.find((c: { name: string }) => c.name === busy);
    expect(b).toMatchObject({
      namespace: busy,
      displayName: busy,
      clusterManager: manager,
      joined: "True",
      healthy: "True",
      version: "v1.32.4",
      works: { total: 3, applied: 1, available: 1, failed: 1 },
      worksError: null,
    });
    expect(v.clusters.find((c: { name: string }) => c.name === idle)).toMatchObject({ joined: "False", healthy: null, version: null, works: { total: 0, applied: 0, available: 0, failed: 0 } });
  });

  it("says so when the inventory namespace holds no ClusterProfiles", async () => {
    const r = await plugin(["clusters", "--inventory-namespace", uniqueName("kw-empty"), "--kubeconfig", hubKubeconfig()]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^No ClusterProfiles found in namespace kw-empty-\w+\.\n$/);
  });
});
