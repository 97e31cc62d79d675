/**
 * Spoke API server restarts: the agent's watches resume, drift correction
 * resumes, and no Work flips to Applied=False for an outage shorter than
 * --spoke-outage-grace-period (here 20 s). An outage longer than that is
 * reported with the transient reason SpokeUnreachable, and cleared when the
 * spoke answers again. Nothing is deleted either way.
 *
 * The spoke is a private cluster (the shared ones serve other files).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintAgentKubeconfig, startAgent, sumMetric, type AgentProcess } from "./agent-harness.js";
import { configMap, putWork, readConfigMap, reconcileCount, touchWork, waitReconciles } from "./contract-helpers.js";
import { clients, hubKubeconfig, testNamespace, waitFor } from "./env.js";
import { installLooseCrd, startPrivateCluster, type PrivateCluster } from "./fault-plane.js";
import { condition, manifestCondition, readWork, waitForWorkCondition } from "./work-helpers.js";

const GRACE_MS = 20_000;
const WORKS = 5;
const cluster = testNamespace("spoke-restart");
const ns = "restart-objects";
const hub = clients(hubKubeconfig());
let spoke: PrivateCluster;
let agent: AgentProcess;

const widget = (name: string, size: number): object => ({ apiVersion: "fault.work-api.test/v1", kind: "Widget", metadata: { name, namespace: ns }, spec: { size } });

beforeAll(async () => {
  spoke = await startPrivateCluster("spokefault", "spoke");
  await spoke.clients.core.createNamespace({ body: { metadata: { name: ns } } });
  // A custom resource too: right after an API server restart its kind may 404 until the CRD is served again.
  await installLooseCrd(spoke.kubeconfig, "fault.work-api.test", "widgets", "Widget");
  agent = await startAgent({ hubKubeconfig: await mintAgentKubeconfig(hubKubeconfig(), cluster), spokeKubeconfig: spoke.kubeconfig, clusterName: cluster, env: { WORK_AGENT_SPOKE_OUTAGE_GRACE_PERIOD: `${GRACE_MS / 1000}s` } });
}, 180_000);

afterAll(async () => {
  expect(await agent?.stop()).toBe(0);
  await spoke?.stop();
});

/** Applied condition (status and lastTransitionTime) of every Work, by name. */
async function appliedOf(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let i = 0; i < WORKS; i++) {
    const c = condition((await readWork(hub.objects, cluster, `r${i}`))?.status?.conditions, "Applied");
    out.set(`r${i}`, `${c?.status} ${String(c?.lastTransitionTime)}`);
  }
  return out;
}

async function uids(): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < WORKS; i++) {
    out.push((await readConfigMap(spoke.clients, ns, `r${i}`))?.metadata.uid ?? "missing");
    const w = (await spoke.clients.custom.getNamespacedCustomObject({ group: "fault.work-api.test", version: "v1", namespace: ns, plural: "widgets", name: `r${i}` })) as { metadata: { uid: string } };
    out.push(w.metadata.uid);
  }
  return out;
}

describe("spoke API server restart", () => {
  it("flips no Work for an outage within the grace period; watches and drift correction resume", async () => {
    for (let i = 0; i < WORKS; i++) await putWork(hub, cluster, `r${i}`, [configMap(ns, `r${i}`, { v: String(i) }), widget(`r${i}`, i)]);
    for (let i = 0; i < WORKS; i++) await waitForWorkCondition(hub.objects, cluster, `r${i}`, "Applied", "True");
    const before = await appliedOf();
    const uidsBefore = await uids();

    const down = Date.now();
    await spoke.cluster.stopComponent("kube-apiserver", { graceMs: 2_000 });
    try {
      // Every Work is reconciled while the spoke does not answer; one of them changed and must be applied.
      const n = await reconcileCount(agent);
      for (let i = 0; i < WORKS - 1; i++) await touchWork(hub, cluster, `r${i}`);
      await putWork(hub, cluster, `r${WORKS - 1}`, [configMap(ns, `r${WORKS - 1}`, { v: "changed" }), widget(`r${WORKS - 1}`, 99)]);
      await waitReconciles(agent, n, WORKS);
      // Down for most of the grace period; the Works say what they said.
      await waitFor(async () => Date.now() - down > GRACE_MS - 3_000, { timeoutMs: GRACE_MS });
      expect(await appliedOf()).toEqual(before);
      expect(sumMetric(await agent.metrics(), "work_agent_spoke_reachable")).toBe(0);
    } finally {
      await spoke.cluster.startComponent("kube-apiserver");
    }
    await waitFor(async () => sumMetric(await agent.metrics(), "work_agent_spoke_reachable") === 1, { message: "agent sees the spoke again" });
    // The Work edited during the outage is applied once the spoke answers.
    await waitFor(async () => (await readConfigMap(spoke.clients, ns, `r${WORKS - 1}`))?.data?.v === "changed", { message: "edit made during the outage applied" });
    await waitForWorkCondition(hub.objects, cluster, `r${WORKS - 1}`, "Applied", "True");
    // The watch resumed: drift is reverted again.
    await spoke.clients.core.patchNamespacedConfigMap({ name: "r0", namespace: ns, body: [{ op: "replace", path: "/data/v", value: "drifted" }] });
    await waitFor(async () => (await readConfigMap(spoke.clients, ns, "r0"))?.data?.v === "0", { message: "drift reverted after the restart" });
    // A Work made after the restart is applied.
    await putWork(hub, cluster, "after", [configMap(ns, "after", { v: "after" })]);
    await waitForWorkCondition(hub.objects, cluster, "after", "Applied", "True");
    // No Work flipped on the way (a flip would have moved lastTransitionTime); nothing was re-created.
    expect(await appliedOf()).toEqual(before);
    expect(await uids()).toEqual(uidsBefore);
  }, 120_000);

  it("reports an outage longer than the grace period as SpokeUnreachable, and clears it on return", async () => {
    await putWork(hub, cluster, "long", [configMap(ns, "long", { v: "long" })]);
    await waitForWorkCondition(hub.objects, cluster, "long", "Applied", "True");
    const uid = (await readConfigMap(spoke.clients, ns, "long"))?.metadata.uid;
    await spoke.cluster.stopComponent("kube-apiserver", { graceMs: 2_000 });
    const down = Date.now();
    try {
      // A change the agent must write to the spoke.
      await putWork(hub, cluster, "long", [configMap(ns, "long", { v: "long2" })]);
      const w = await waitFor(
        async () => {
          const work = await readWork(hub.objects, cluster, "long");
          return condition(work?.status?.conditions, "Applied")?.status === "False" ? work : undefined;
        },
        { timeoutMs: GRACE_MS + 60_000, intervalMs: 500, message: "Applied=False once the outage outlasts the grace period" },
      ).catch((e: unknown) => {
        console.error(agent.output().split("\n").filter((l) => l.includes("long") || l.includes("reach") || l.includes("answer")).slice(-40).join("\n"));
        throw e;
      });
      // Not before the grace period, counted from the first unanswered apply (after the edit below the stop).
      expect(Date.now() - down).toBeGreaterThanOrEqual(GRACE_MS);
      const m = manifestCondition(w, 0)?.conditions.find((c) => c.type === "Applied");
      expect(m?.reason).toBe("SpokeUnreachable");
      expect(m?.message).toMatch(/ConfigMap.*long/);
      expect(m?.message).toMatch(/did not answer/);
    } finally {
      await spoke.cluster.startComponent("kube-apiserver");
    }
    await waitForWorkCondition(hub.objects, cluster, "long", "Applied", "True", { timeoutMs: 30_000 });
    expect((await readConfigMap(spoke.clients, ns, "long"))?.metadata.uid).toBe(uid);
    expect((await readConfigMap(spoke.clients, ns, "long"))?.data?.v).toBe("long2");
  }, 180_000);
});
