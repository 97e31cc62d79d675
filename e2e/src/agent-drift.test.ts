/**
 * Drift and diff reports on real servers (issue 10, point 4): the
 * driftDetails of a manifest whose out-of-band change the agent reverted
 * (who changed what, counted, first time kept), the Warning Event naming the
 * path and the manager, a Secret's values kept off the hub, diffDetails of a
 * ReportDiff manifest without a write, and `kubectl work diff` from
 * node_modules/.bin: a server-side dry-run against the live objects (field
 * removals included) and, without spoke access, the agent's report.
 */
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DriftDetails, ManifestConfig } from "@work-api/api";
import { clients, hubKubeconfig, kubectlOk, spokeKubeconfig, testNamespace, waitFor } from "./env.js";
import { mintAgentKubeconfig, startAgent, type AgentProcess } from "./agent-harness.js";
import { binPath, REPO } from "./build-info.js";
import { manifestCondition, readWork, waitForWorkCondition } from "./work-helpers.js";
import { configMap, putWork, readConfigMap, reconcileCount, touchWork, waitReconciles, writeCount } from "./contract-helpers.js";

const cluster = testNamespace("agent-drift");
const idle = testNamespace("agent-drift-idle");
const paused = testNamespace("agent-drift-paused");
const ns = testNamespace("agent-drift-spoke", { on: ["spoke1"] });
const hub = clients(hubKubeconfig());
const spoke = clients(spokeKubeconfig(1));
let agent: AgentProcess;

beforeAll(async () => {
  agent = await startAgent({ hubKubeconfig: await mintAgentKubeconfig(hubKubeconfig(), cluster), spokeKubeconfig: spokeKubeconfig(1), clusterName: cluster });
});

afterAll(async () => {
  expect(await agent?.stop()).toBe(0);
});

/** An out-of-band edit by a named field manager, as a user on the spoke makes it. */
async function drift(kind: string, name: string, patch: object, manager: string): Promise<void> {
  await kubectlOk(spokeKubeconfig(1), ["patch", kind, name, "-n", ns, "--type", "merge", "-p", JSON.stringify(patch), `--field-manager=${manager}`]);
}

async function driftDetails(work: string, ordinal: number, pred: (d: DriftDetails) => boolean, what: string): Promise<DriftDetails> {
  return waitFor(async () => {
    const d = manifestCondition(await readWork(hub.objects, cluster, work), ordinal)?.driftDetails;
    return d && pred(d) ? d : undefined;
  }, { timeoutMs: 30_000, message: `${work} manifest ${ordinal}: ${what}` });
}

async function hubEvents(work: string, reason: string): Promise<string[]> {
  const list = await hub.core.listNamespacedEvent({ namespace: cluster, fieldSelector: `involvedObject.name=${work}` });
  return list.items.filter((e) => e.reason === reason && e.type === "Warning").map((e) => e.message ?? "");
}

/** `kubectl-work ARGS --kubeconfig <hub>` as a user runs it. */
async function plugin(args: readonly string[]): Promise<{ code: number | null; out: string; err: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.KUBECONFIG;
  const proc = spawn(binPath("kubectl-work"), [...args, "--kubeconfig", hubKubeconfig()], { cwd: REPO, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  proc.stdout.on("data", (d: Buffer) => (out += d.toString()));
  proc.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((r) => proc.once("exit", (c) => r(c)));
  return { code, out, err };
}

describe("driftDetails", () => {
  it("records the reverted path, both values and the manager who drifted; counts again and keeps the first time; a Warning Event names path and manager", async () => {
    await putWork(hub, cluster, "drifted", [configMap(ns, "cm", { a: "1", b: "2" })]);
    await waitForWorkCondition(hub.objects, cluster, "drifted", "Applied", "True");
    expect(manifestCondition(await readWork(hub.objects, cluster, "drifted"), 0)?.driftDetails).toBeUndefined();

    await drift("configmap", "cm", { data: { a: "edited" } }, "drifter");
    const first = await driftDetails("drifted", 0, (d) => d.count === 1, "first drift recorded");
    expect((await readConfigMap(spoke, ns, "cm"))?.data).toEqual({ a: "1", b: "2" });
    expect(first.observedDrifts).toEqual([{ path: ".data.a", valueInMember: '"edited"', valueInHub: '"1"', fieldManager: "drifter" }]);
    expect(first.firstDriftedObservedTime).toBe(first.observedTime);
    await waitFor(async () => (await hubEvents("drifted", "DriftReverted")).some((m) => m.includes(".data.a (by drifter)")), { timeoutMs: 20_000, message: "DriftReverted event" });
    expect((await hubEvents("drifted", "DriftReverted")).join("\n")).not.toContain("edited");

    await new Promise((r) => setTimeout(r, 1100)); // the next observedTime must be a later second than the first
    await drift("configmap", "cm", { data: { b: "changed" } }, "second-hand");
    const second = await driftDetails("drifted", 0, (d) => d.count === 2, "second drift counted");
    expect(second.firstDriftedObservedTime).toBe(first.firstDriftedObservedTime);
    expect(second.observedTime > first.observedTime).toBe(true);
    expect(second.observedDrifts).toEqual([{ path: ".data.b", valueInMember: '"changed"', valueInHub: '"2"', fieldManager: "second-hand" }]);

    // Deleted on the spoke: re-created, recorded as the whole object missing.
    await spoke.core.deleteNamespacedConfigMap({ name: "cm", namespace: ns });
    const third = await driftDetails("drifted", 0, (d) => d.count === 3, "deletion counted");
    expect(third.observedDrifts).toEqual([{ path: "." }]);
    expect((await readConfigMap(spoke, ns, "cm"))?.data).toEqual({ a: "1", b: "2" });
  });

  it("keeps a Secret's values off the hub: the path and the manager only", async () => {
    const b64 = (v: string): string => Buffer.from(v).toString("base64");
    const secret = { apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: ns }, data: { password: b64("hub-value") } };
    await putWork(hub, cluster, "secret", [secret]);
    await waitForWorkCondition(hub.objects, cluster, "secret", "Applied", "True");
    await drift("secret", "s", { data: { password: b64("spoke-value") } }, "intruder");
    const d = await driftDetails("secret", 0, (x) => x.count === 1, "secret drift recorded");
    expect(d.observedDrifts).toEqual([{ path: ".data.password", fieldManager: "intruder" }]);
    expect(JSON.stringify(await readWork(hub.objects, cluster, "secret"))).not.toContain(b64("spoke-value"));
  });
});

const reportDiff = (name: string): ManifestConfig => ({ resourceIdentifier: { resource: "configmaps", namespace: ns, name }, updateStrategy: { type: "ReportDiff" } });

describe("diffDetails (ReportDiff)", () => {
  it("reports the differences with the manager holding each, writes nothing, and clears the report once the object matches", async () => {
    await kubectlOk(spokeKubeconfig(1), ["create", "configmap", "rd", "-n", ns, "--from-literal=x=spoke", "--from-literal=y=same"]);
    const before = (await readConfigMap(spoke, ns, "rd"))!;
    await putWork(hub, cluster, "report", [configMap(ns, "rd", { x: "hub", y: "same" })], { manifestConfigs: [reportDiff("rd")] });
    const diff = await waitFor(async () => manifestCondition(await readWork(hub.objects, cluster, "report"), 0)?.diffDetails, { timeoutMs: 30_000, message: "diffDetails" });
    expect(diff).toMatchObject({ count: 1, observedDrifts: [{ path: ".data.x", valueInMember: '"spoke"', valueInHub: '"hub"', fieldManager: "kubectl-create" }] });
    expect((await readConfigMap(spoke, ns, "rd"))?.metadata.resourceVersion).toBe(before.metadata.resourceVersion);

    await drift("configmap", "rd", { data: { x: "hub" } }, "fixer");
    await waitFor(async () => {
      const m = manifestCondition(await readWork(hub.objects, cluster, "report"), 0);
      return m !== undefined && m.diffDetails === undefined && m.conditions.some((c) => c.type === "Applied" && c.message.includes("matches the manifest"));
    }, { timeoutMs: 30_000, message: "diffDetails cleared" });
  });
});

describe("no write when steady", () => {
  it("a Work with a recorded drift and a ReportDiff report costs no hub or spoke write on later reconciles", async () => {
    const creds = await mintAgentKubeconfig(hubKubeconfig(), idle);
    const quiet = await startAgent({ hubKubeconfig: creds, spokeKubeconfig: spokeKubeconfig(1), clusterName: idle });
    try {
      await kubectlOk(spokeKubeconfig(1), ["create", "configmap", "idle-rd", "-n", ns, "--from-literal=x=spoke"]);
      await hub.objects.create({ apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "Work", metadata: { name: "steady", namespace: idle }, spec: { workload: { manifests: [configMap(ns, "idle-cm", { a: "1" }), configMap(ns, "idle-rd", { x: "hub" })] }, manifestConfigs: [reportDiff("idle-rd")] } });
      await waitFor(async () => manifestCondition(await readWork(hub.objects, idle, "steady"), 1)?.diffDetails, { timeoutMs: 30_000, message: "diffDetails" });
      await drift("configmap", "idle-cm", { data: { a: "2" } }, "drifter");
      await waitFor(async () => manifestCondition(await readWork(hub.objects, idle, "steady"), 0)?.driftDetails?.count === 1, { timeoutMs: 30_000, message: "drift recorded" });
      const w = await readWork(hub.objects, idle, "steady");
      const hubWrites = await writeCount(quiet, "hub");
      const spokeWrites = await writeCount(quiet, "spoke");
      const n = await reconcileCount(quiet);
      for (let i = 0; i < 3; i++) await touchWork(hub, idle, "steady");
      await waitReconciles(quiet, n, 3);
      expect(await writeCount(quiet, "hub")).toBe(hubWrites);
      expect(await writeCount(quiet, "spoke")).toBe(spokeWrites);
      const after = await readWork(hub.objects, idle, "steady");
      expect(after?.status).toEqual(w?.status);
    } finally {
      expect(await quiet.stop()).toBe(0);
    }
  });
});

describe("kubectl work diff", () => {
  it("prints nothing and exits 0 when the spoke matches the Work; a ReportDiff manifest's difference as a unified diff, exit 1", async () => {
    await putWork(hub, cluster, "in-sync", [configMap(ns, "sync", { k: "v" })]);
    await waitForWorkCondition(hub.objects, cluster, "in-sync", "Applied", "True");
    const same = await plugin(["diff", "in-sync", "-n", cluster, "--spoke-kubeconfig", spokeKubeconfig(1)]);
    expect(same, same.err).toMatchObject({ code: 0, out: "" });

    // A Work whose deleteOption orphans its object is applied without the AppliedWork owner: the diff builds it the same way.
    await putWork(hub, cluster, "orphaning", [configMap(ns, "orph", { k: "v" })], { deleteOption: { propagationPolicy: "Orphan" } });
    await waitForWorkCondition(hub.objects, cluster, "orphaning", "Applied", "True");
    const orphaning = await plugin(["diff", "orphaning", "-n", cluster, "--spoke-kubeconfig", spokeKubeconfig(1)]);
    expect(orphaning, orphaning.err).toMatchObject({ code: 0, out: "" });

    await kubectlOk(spokeKubeconfig(1), ["create", "configmap", "rd2", "-n", ns, "--from-literal=x=spoke"]);
    await putWork(hub, cluster, "report2", [configMap(ns, "rd2", { x: "hub" })], { manifestConfigs: [reportDiff("rd2")] });
    await waitFor(async () => manifestCondition(await readWork(hub.objects, cluster, "report2"), 0)?.diffDetails, { timeoutMs: 30_000, message: "diffDetails" });
    const rv = (await readConfigMap(spoke, ns, "rd2"))?.metadata.resourceVersion;
    const r = await plugin(["diff", "report2", "-n", cluster, "--spoke-kubeconfig", spokeKubeconfig(1)]);
    expect(r.code, r.err).toBe(1);
    expect(r.out).toContain(`# manifest 0 (ConfigMap ${ns}/rd2) (ReportDiff: never written by the agent)\n--- live/ConfigMap/${ns}/rd2\n+++ work/ConfigMap/${ns}/rd2\n`);
    expect(r.out).toMatch(/\n-\s+x: spoke\n\+\s+x: hub\n/);
    expect((await readConfigMap(spoke, ns, "rd2"))?.metadata.resourceVersion).toBe(rv);

    // Without spoke access: the agent's report.
    const reported = await plugin(["diff", "report2", "-n", cluster]);
    expect(reported.code, reported.err).toBe(1);
    expect(reported.out).toContain(`# manifest 0 (ConfigMap ${ns}/rd2)\n  differs (ReportDiff, never written): 1 time`);
    expect(reported.out).toContain(`    .data.x [kubectl-create]: spoke "spoke", work "hub"`);
  });

  it("shows what the agent's next apply would change, a removed field too, while the agent is stopped; writes nothing", async () => {
    const other = paused;
    const creds = await mintAgentKubeconfig(hubKubeconfig(), other);
    const a = await startAgent({ hubKubeconfig: creds, spokeKubeconfig: spokeKubeconfig(1), clusterName: other });
    await hub.objects.create({ apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "Work", metadata: { name: "paused", namespace: other }, spec: { workload: { manifests: [configMap(ns, "paused", { keep: "1", drop: "2" })] } } });
    await waitForWorkCondition(hub.objects, other, "paused", "Applied", "True");
    expect(await a.stop()).toBe(0);
    await putWork(hub, other, "paused", [configMap(ns, "paused", { keep: "1", add: "3" })]);
    const rv = (await readConfigMap(spoke, ns, "paused"))?.metadata.resourceVersion;
    const r = await plugin(["diff", "paused", "-n", other, "--spoke-kubeconfig", spokeKubeconfig(1)]);
    expect(r.code, r.err).toBe(1);
    expect(r.out).toMatch(/\n\+\s+add: "3"\n/);
    expect(r.out).toMatch(/\n-\s+drop: "2"\n/);
    expect(r.out).not.toMatch(/\n[-+]\s+keep:/);
    // The agent's metadata is built as the agent builds it: its label and owner stay; its record of the manifest (a hash) changes.
    const changed = r.out.split("\n").filter((l) => /^[-+]/.test(l) && !/^(---|\+\+\+) /.test(l));
    expect(changed.filter((l) => /agent-|ownerReferences|AppliedWork|uid:/.test(l))).toEqual([]);
    expect(r.out).toMatch(/\n-\s+work\.multicluster\.x-k8s\.io\/applied-[0-9a-f]+: "?[0-9a-f]+"?\n\+\s+work\.multicluster\.x-k8s\.io\/applied-[0-9a-f]+: "?[0-9a-f]+"?\n/);
    expect((await readConfigMap(spoke, ns, "paused"))?.metadata.resourceVersion).toBe(rv);
  });

  it("a field another Work holds: the agent would not take it, and the diff says so instead of pretending it would", async () => {
    await putWork(hub, cluster, "holder", [configMap(ns, "contested", { k: "first" })]);
    await waitForWorkCondition(hub.objects, cluster, "holder", "Applied", "True");
    await putWork(hub, cluster, "taker", [configMap(ns, "contested", { k: "second" })]);
    await waitFor(async () => manifestCondition(await readWork(hub.objects, cluster, "taker"), 0)?.conditions.some((c) => c.type === "Applied" && c.reason === "ApplyConflict"), { timeoutMs: 30_000, message: "taker: ApplyConflict" });
    const r = await plugin(["diff", "taker", "-n", cluster, "--spoke-kubeconfig", spokeKubeconfig(1)]);
    expect(r.code, r.err).toBe(1);
    expect(r.out).toMatch(/# manifest 0 \(ConfigMap \S+\/contested\) \(conflict: another Work holds \.data\.k \(work-agent-[0-9a-f]{10}\); the agent writes nothing while it lasts \(ApplyConflict\), shown as if forced\)\n/);
    expect((await readConfigMap(spoke, ns, "contested"))?.data).toEqual({ k: "first" });
  });

  it("exits 3 naming the Work it cannot find, and 2 on a usage error", async () => {
    const missing = await plugin(["diff", "nope", "-n", cluster, "--spoke-kubeconfig", spokeKubeconfig(1)]);
    expect(missing).toMatchObject({ code: 3, out: "", err: `kubectl work: Work "nope" not found in namespace "${cluster}"\n` });
    const usage = await plugin(["diff", "-n", cluster]);
    expect(usage.code).toBe(2);
  });
});
