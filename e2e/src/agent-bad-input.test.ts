/**
 * Bad input: each bad manifest gets Applied=False with a reason and a message
 * naming the manifest and the cause; the other manifests still apply; the
 * agent keeps running and retries with backoff; nothing applied before is lost.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apply, clients, getOrUndefined, hubKubeconfig, spokeKubeconfig, testNamespace, waitFor } from "./env.js";
import { mintAgentKubeconfig, mintSpokeKubeconfig, startAgent, sumMetric, type AgentProcess } from "./agent-harness.js";
import { condition, manifestCondition, readWork, waitForWorkCondition, workObject } from "./work-helpers.js";

const cluster = testNamespace("agent-bad");
const ns = testNamespace("agent-bad-spoke", { on: ["spoke1"] });
const hub = clients(hubKubeconfig());
const spoke = clients(spokeKubeconfig(1));
let creds: string;
let agent: AgentProcess;

beforeAll(async () => {
  creds = await mintAgentKubeconfig(hubKubeconfig(), cluster);
  agent = await startAgent({ hubKubeconfig: creds, spokeKubeconfig: spokeKubeconfig(1), clusterName: cluster });
});

afterAll(async () => {
  expect(await agent.stop()).toBe(0);
});

const cm = (name: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: ns }, data: { k: name } });
const exists = async (name: string) => (await getOrUndefined(spoke.objects, { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: ns } })) !== undefined;

describe("work-agent with bad manifests", () => {
  it("the hub's schema refuses a manifest without apiVersion or kind", async () => {
    await expect(hub.objects.create(workObject(cluster, "no-kind", [{ apiVersion: "v1", metadata: { name: "x", namespace: ns } }]))).rejects.toThrow(/kind/i);
    await expect(hub.objects.create(workObject(cluster, "no-apiversion", [{ kind: "ConfigMap", metadata: { name: "x", namespace: ns } }]))).rejects.toThrow(/apiVersion/i);
  });

  const bad = [
    { why: "no name", m: { apiVersion: "v1", kind: "ConfigMap", metadata: { namespace: ns }, data: {} }, reason: "ManifestInvalid", msg: /^manifest 1 \(ConfigMap\): missing metadata\.name/ },
    { why: "unknown kind", m: { apiVersion: "example.com/v1", kind: "Gizmo", metadata: { name: "g", namespace: ns } }, reason: "KindNotFound", msg: /^manifest 2 \(Gizmo .*\/g\): .*Gizmo/ },
    { why: "namespaced kind without namespace", m: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "nons" }, data: {} }, reason: "NamespaceRequired", msg: /^manifest 3 \(ConfigMap nons\): ConfigMap is namespaced/ },
    { why: "cluster-scoped kind with namespace", m: { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "cr-with-ns", namespace: ns }, rules: [] }, reason: "NamespaceNotAllowed", msg: /^manifest 4 \(ClusterRole .*\/cr-with-ns\): ClusterRole is cluster-scoped/ },
    { why: "a field the schema rejects", m: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "strict", namespace: ns }, data: { a: "1" }, spec: { nope: true } }, reason: "ManifestRejected", msg: /^manifest 5 \(ConfigMap .*\/strict\): rejected by the API server: .*spec/ },
    { why: "two manifests naming the same object", m: cm("good"), reason: "DuplicateManifest", msg: /^manifest 6 \(ConfigMap .*\/good\): names the same object as manifest 0/ },
  ];

  it("fails each bad manifest on its own, naming it and the cause, and applies the rest", async () => {
    await apply(hub.objects, workObject(cluster, "mixed", [cm("good"), ...bad.map((b) => b.m), cm("also-good")]));
    const work = await waitFor(async () => {
      const w = await readWork(hub.objects, cluster, "mixed");
      return w?.status?.manifestConditions?.length === bad.length + 2 ? w : undefined;
    }, { timeoutMs: 60_000, message: "status of every manifest" });
    bad.forEach((b, i) => {
      const c = condition(manifestCondition(work, i + 1)?.conditions, "Applied");
      expect(c, `${b.why}: ${JSON.stringify(c)}`).toMatchObject({ status: "False", reason: b.reason });
      expect(c?.message, b.why).toMatch(b.msg);
    });
    expect(condition(manifestCondition(work, 0)?.conditions, "Applied")?.status).toBe("True");
    expect(condition(manifestCondition(work, bad.length + 1)?.conditions, "Applied")?.status).toBe("True");
    const summary = condition(work.status?.conditions, "Applied");
    expect(summary).toMatchObject({ status: "False", reason: "AppliedWorkFailed" });
    expect(summary?.message).toContain(`${bad.length} of ${bad.length + 2} manifests failed to apply`);
    expect(await exists("good")).toBe(true);
    expect(await exists("also-good")).toBe(true);
  });

  it("keeps running and retries the failing Work with backoff", async () => {
    const errors = async () => sumMetric(await agent.metrics(), "controller_runtime_reconcile_total", { controller: "work", result: "error" });
    const first = await errors();
    await waitFor(async () => (await errors()) > first + 1, { timeoutMs: 30_000, message: "retries" });
    expect(agent.proc.exitCode).toBeNull();
  });

  it("loses nothing applied before when a manifest turns bad", async () => {
    await apply(hub.objects, workObject(cluster, "turns-bad", [cm("keep1"), cm("keep2")]));
    await waitForWorkCondition(hub.objects, cluster, "turns-bad", "Applied", "True");
    await apply(hub.objects, workObject(cluster, "turns-bad", [cm("keep1"), { ...cm("keep2"), spec: { invalid: true } }]));
    await waitForWorkCondition(hub.objects, cluster, "turns-bad", "Applied", "False");
    await new Promise((r) => setTimeout(r, 2000));
    expect(await exists("keep2")).toBe(true);
    await apply(hub.objects, workObject(cluster, "turns-bad", [cm("keep1"), { apiVersion: "v1", kind: "ConfigMap", metadata: { namespace: ns } }]));
    await waitFor(async () => condition(manifestCondition(await readWork(hub.objects, cluster, "turns-bad"), 1)?.conditions, "Applied")?.reason === "ManifestInvalid", { message: "manifest 1 invalid" });
    await new Promise((r) => setTimeout(r, 2000));
    expect(await exists("keep2")).toBe(true);
  });

  it("reports an object the agent's spoke identity may not write as Forbidden, and applies the rest", async () => {
    const restricted = await mintSpokeKubeconfig(spokeKubeconfig(1), `agent-restricted-${cluster}`.slice(0, 63), [
      { apiGroups: ["multicluster.x-k8s.io"], resources: ["appliedworks", "appliedworks/status"], verbs: ["*"] },
      { apiGroups: [""], resources: ["configmaps", "namespaces"], verbs: ["*"] },
      { apiGroups: ["about.k8s.io"], resources: ["clusterproperties"], verbs: ["get", "list", "watch"] },
    ]);
    const cluster2 = `${cluster}-r`.slice(0, 63);
    await hub.core.createNamespace({ body: { metadata: { name: cluster2 } } });
    const creds2 = await mintAgentKubeconfig(hubKubeconfig(), cluster2);
    const a2 = await startAgent({ hubKubeconfig: creds2, spokeKubeconfig: restricted.path, clusterName: cluster2 });
    try {
      await apply(hub.objects, workObject(cluster2, "forbidden", [cm("allowed"), { apiVersion: "v1", kind: "Secret", metadata: { name: "denied", namespace: ns }, stringData: { a: "b" } }]));
      const work = await waitFor(async () => {
        const w = await readWork(hub.objects, cluster2, "forbidden");
        return condition(manifestCondition(w, 1)?.conditions, "Applied")?.status === "False" ? w : undefined;
      }, { timeoutMs: 60_000, message: "secret forbidden" });
      const c = condition(manifestCondition(work, 1)?.conditions, "Applied");
      expect(c?.reason).toBe("Forbidden");
      expect(c?.message).toMatch(/^manifest 1 \(Secret .*\/denied\): the agent may not write this object: /);
      expect(condition(manifestCondition(work, 0)?.conditions, "Applied")?.status).toBe("True");
      expect(await exists("allowed")).toBe(true);
      expect(a2.proc.exitCode).toBeNull();
      await hub.objects.delete({ apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "Work", metadata: { name: "forbidden", namespace: cluster2 } });
      await waitFor(async () => (await readWork(hub.objects, cluster2, "forbidden")) === undefined, { timeoutMs: 30_000, message: "work deleted" });
    } finally {
      await a2.stop();
      await restricted.cleanup();
      await hub.core.deleteNamespace({ name: cluster2 });
    }
  });
});
