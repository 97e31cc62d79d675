/**
 * Real readiness end to end: the spokes run kube-scheduler and kwok's fake
 * nodes, so the controllers move Deployments, StatefulSets, DaemonSets and
 * Jobs through their real states, and the agent reports them by kstatus.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NEVER_READY_LABEL } from "@work-api/localplane";
import { clients, hubKubeconfig, spokeKubeconfig, testNamespace, waitFor } from "./env.js";
import { mintAgentKubeconfig, startAgent, type AgentProcess } from "./agent-harness.js";
import { condition, manifestCondition, readWork, waitForWorkCondition } from "./work-helpers.js";
import { deleteWork, putWork, waitWorkGone } from "./contract-helpers.js";

const cluster = testNamespace("agent-workloads");
const ns = testNamespace("agent-workloads-spoke", { on: ["spoke1"] });
const hub = clients(hubKubeconfig());
const spoke = clients(spokeKubeconfig(1));
let agent: AgentProcess;

beforeAll(async () => {
  agent = await startAgent({ hubKubeconfig: await mintAgentKubeconfig(hubKubeconfig(), cluster), spokeKubeconfig: spokeKubeconfig(1), clusterName: cluster });
});

afterAll(async () => {
  // Delete the Works (and so their workloads) even when a test failed, so later suites start clean.
  for (const name of ["web", "rollout", "kinds", "stuck"]) await deleteWork(hub, cluster, name);
  for (const name of ["web", "rollout", "kinds", "stuck"]) await waitWorkGone(hub, cluster, name);
  expect(await agent?.stop()).toBe(0);
});

const podTemplate = (app: string, image: string, labels: Record<string, string> = {}) => ({
  metadata: { labels: { app, ...labels } },
  spec: { containers: [{ name: app, image }] },
});

const deployment = (name: string, replicas: number, image: string, extra: Record<string, unknown> = {}, labels: Record<string, string> = {}) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: ns },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: podTemplate(name, image, labels), ...extra },
});

async function manifestAvailable(work: string, ordinal = 0): Promise<{ status?: string; message?: string } | undefined> {
  return condition(manifestCondition(await readWork(hub.objects, cluster, work), ordinal)?.conditions, "Available");
}

describe("workloads on fake nodes", () => {
  it("reports a Deployment of 3 replicas Available once 3/3 pods are ready", async () => {
    await putWork(hub, cluster, "web", [deployment("web", 3, "nginx:1.27")]);
    await waitForWorkCondition(hub.objects, cluster, "web", "Available", "True", { timeoutMs: 90_000 });
    const d = await spoke.apps.readNamespacedDeployment({ name: "web", namespace: ns });
    expect(d.status?.readyReplicas).toBe(3);
    expect(d.status?.availableReplicas).toBe(3);
    const pods = await spoke.core.listNamespacedPod({ namespace: ns, labelSelector: "app=web" });
    expect(pods.items.filter((p) => p.status?.phase === "Running" && p.spec?.nodeName).length).toBe(3);
  });

  it("follows a rollout: Progressing, then Available only when the new pods are ready and the old ones gone", async () => {
    // minReadySeconds makes each step of the rollout last long enough to be seen.
    await putWork(hub, cluster, "rollout", [deployment("rollout", 3, "nginx:1.27", { minReadySeconds: 2 })]);
    await waitForWorkCondition(hub.objects, cluster, "rollout", "Available", "True", { timeoutMs: 90_000 });
    await putWork(hub, cluster, "rollout", [deployment("rollout", 3, "nginx:1.28", { minReadySeconds: 2 })]);
    const seen: string[] = [];
    const done = await waitFor(async () => {
      const w = await readWork(hub.objects, cluster, "rollout");
      const mc = manifestCondition(w, 0);
      const av = condition(mc?.conditions, "Available");
      const pr = condition(mc?.conditions, "Progressing");
      if (w?.status?.conditions?.every((c) => c.observedGeneration === w.metadata.generation)) seen.push(`${av?.status}/${pr?.status}`);
      if (av?.status !== "True" || !seen.some((s) => s.startsWith("False/True"))) return undefined;
      return spoke.apps.readNamespacedDeployment({ name: "rollout", namespace: ns });
    }, { timeoutMs: 90_000, intervalMs: 50, message: "rollout seen progressing, then available" });
    expect(seen).toContain("False/True");
    // When the Work says Available the rollout is complete: every replica updated, no old replica left.
    expect(done.status?.updatedReplicas).toBe(3);
    expect(done.status?.replicas).toBe(3);
    expect(done.status?.availableReplicas).toBe(3);
    const pods = await spoke.core.listNamespacedPod({ namespace: ns, labelSelector: "app=rollout" });
    expect(pods.items.filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.spec?.containers[0]?.image)).toEqual(["nginx:1.28", "nginx:1.28", "nginx:1.28"]);
  });

  it("reports a StatefulSet, a DaemonSet on every node and a completed Job as Available", async () => {
    const nodes = (await spoke.core.listNode({ labelSelector: "type=kwok" })).items.length;
    expect(nodes).toBeGreaterThanOrEqual(3);
    await putWork(hub, cluster, "kinds", [
      { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "db", namespace: ns }, spec: { replicas: 2, serviceName: "db", selector: { matchLabels: { app: "db" } }, template: podTemplate("db", "postgres:17") } },
      { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "agent", namespace: ns }, spec: { selector: { matchLabels: { app: "agent" } }, template: podTemplate("agent", "busybox") } },
      { apiVersion: "batch/v1", kind: "Job", metadata: { name: "migrate", namespace: ns }, spec: { backoffLimit: 0, template: { spec: { restartPolicy: "Never", containers: [{ name: "m", image: "busybox" }] } } } },
    ]);
    await waitForWorkCondition(hub.objects, cluster, "kinds", "Available", "True", { timeoutMs: 90_000 });
    const w = await readWork(hub.objects, cluster, "kinds");
    expect(condition(manifestCondition(w, 0)?.conditions, "Available")?.message).toMatch(/^2\/2 ready/);
    expect(condition(manifestCondition(w, 1)?.conditions, "Available")?.message).toMatch(new RegExp(`^${nodes}/${nodes} available`));
    expect(condition(manifestCondition(w, 2)?.conditions, "Available")?.reason).toBe("JobComplete");
    const ds = await spoke.apps.readNamespacedDaemonSet({ name: "agent", namespace: ns });
    expect(ds.status?.numberReady).toBe(nodes);
  });

  it("keeps a Deployment whose pods never become ready Available=False, saying why", async () => {
    await putWork(hub, cluster, "stuck", [deployment("stuck", 2, "nginx:1.27", {}, { [NEVER_READY_LABEL]: "" })]);
    await waitFor(async () => {
      const d = await spoke.apps.readNamespacedDeployment({ name: "stuck", namespace: ns });
      return d.status?.replicas === 2 && d.status.updatedReplicas === 2;
    }, { timeoutMs: 60_000, message: "2 pods created" });
    const av = await waitFor(async () => {
      const c = await manifestAvailable("stuck");
      return c?.status === "False" && c.message?.startsWith("0 of 2 replicas available") ? c : undefined;
    }, { timeoutMs: 60_000, message: "Available=False with the count" });
    expect(av.message).toContain("0 of 2 replicas available");
    const w = await readWork(hub.objects, cluster, "stuck");
    expect(condition(w?.status?.conditions, "Available")).toMatchObject({ status: "False", reason: "ManifestsNotAvailable" });
    const pods = await spoke.core.listNamespacedPod({ namespace: ns, labelSelector: "app=stuck" });
    expect(pods.items.every((p) => p.status?.phase === "Running" && p.status.conditions?.some((c) => c.type === "Ready" && c.status === "False"))).toBe(true);
  });
});
