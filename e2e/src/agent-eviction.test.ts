/**
 * Eviction grace period: a Work gone from the hub without the agent's
 * finalizer having run (force-removed, hub restored from a backup) does not
 * empty the spoke at once. The agent confirms it with a read of the hub,
 * records when it started in the AppliedWork, and deletes the objects only
 * after --eviction-grace-period; the Work coming back cancels it; 0 never
 * evicts.
 */
import { PatchStrategy } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clients, hubKubeconfig, spokeKubeconfig, testNamespace, waitFor } from "./env.js";
import { mintAgentKubeconfig, startAgent, sumMetric, type AgentProcess } from "./agent-harness.js";
import { waitForWorkCondition } from "./work-helpers.js";
import { appliedWorkFor, configMap, deleteWork, putWork, readConfigMap, reconcileCount, touchWork, waitReconciles, waitWorkGone } from "./contract-helpers.js";

const GRACE_MS = 6_000;
const cluster = testNamespace("agent-evict");
const never = testNamespace("agent-evict-never");
const ns = testNamespace("agent-evict-spoke", { on: ["spoke1"] });
const hub = clients(hubKubeconfig());
const spoke = clients(spokeKubeconfig(1));
let agent: AgentProcess;
let agentNever: AgentProcess;
let credsNever: string;

const startNever = async (): Promise<AgentProcess> => startAgent({ hubKubeconfig: credsNever, spokeKubeconfig: spokeKubeconfig(1), clusterName: never, args: ["--eviction-grace-period", "0"] });

beforeAll(async () => {
  agent = await startAgent({ hubKubeconfig: await mintAgentKubeconfig(hubKubeconfig(), cluster), spokeKubeconfig: spokeKubeconfig(1), clusterName: cluster, args: ["--eviction-grace-period", `${GRACE_MS / 1000}s`] });
  credsNever = await mintAgentKubeconfig(hubKubeconfig(), never);
  agentNever = await startNever();
});

afterAll(async () => {
  expect(await agent?.stop()).toBe(0);
  expect(await agentNever?.stop()).toBe(0);
});

/**
 * Removes a Work without its finalizer running, as a restore from backup or a stripped finalizer would.
 * The agent is paused meanwhile (SIGSTOP), so it cannot add its finalizer back between the two requests;
 * it sees both changes when it resumes.
 */
async function forceRemove(workNs: string, name: string, owner: AgentProcess): Promise<void> {
  owner.proc.kill("SIGSTOP");
  try {
    await stripAndDelete(workNs, name);
  } finally {
    owner.proc.kill("SIGCONT");
  }
}

async function stripAndDelete(workNs: string, name: string): Promise<void> {
  await hub.objects.patch({ apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "Work", metadata: { name, namespace: workNs, finalizers: [] } }, undefined, undefined, "e2e", undefined, PatchStrategy.MergePatch);
  await deleteWork(hub, workNs, name);
  await waitWorkGone(hub, workNs, name);
}

async function marked(workNs: string, name: string): Promise<string> {
  return waitFor(async () => (await appliedWorkFor(spoke, workNs, name))?.status?.evictionStartTime, { message: `evictionStartTime on the AppliedWork of ${workNs}/${name}` });
}

describe("eviction grace period", () => {
  it("keeps the objects of a force-removed Work for the grace period, then deletes them", async () => {
    await putWork(hub, cluster, "gone", [configMap(ns, "gone", { a: "1" })]);
    await waitForWorkCondition(hub.objects, cluster, "gone", "Applied", "True");
    const uid = (await readConfigMap(spoke, ns, "gone"))?.metadata.uid;
    await forceRemove(cluster, "gone", agent);
    const start = Date.parse(await marked(cluster, "gone"));
    expect(sumMetric(await agent.metrics(), "work_agent_evictions_total", { stage: "marked" })).toBeGreaterThanOrEqual(1);
    expect(sumMetric(await agent.metrics(), "work_agent_evictions_pending")).toBe(1);
    // Marked, not deleted.
    expect((await readConfigMap(spoke, ns, "gone"))?.metadata.uid).toBe(uid);
    const goneAt = await waitFor(async () => ((await readConfigMap(spoke, ns, "gone")) === undefined ? Date.now() : undefined), { timeoutMs: 60_000, intervalMs: 100, message: "evicted after the grace period" });
    // Never before the grace period (the start is stored to the millisecond; 100 ms for the poll).
    expect(goneAt - start).toBeGreaterThanOrEqual(GRACE_MS - 100);
    await waitFor(async () => (await appliedWorkFor(spoke, cluster, "gone")) === undefined, { message: "AppliedWork deleted after the eviction" });
    expect(sumMetric(await agent.metrics(), "work_agent_evictions_total", { stage: "evicted" })).toBeGreaterThanOrEqual(1);
  });

  it("deletes nothing when the Work comes back within the grace period, and clears the mark", async () => {
    const manifests = [configMap(ns, "back", { a: "1" })];
    await putWork(hub, cluster, "back", manifests);
    await waitForWorkCondition(hub.objects, cluster, "back", "Applied", "True");
    const before = await readConfigMap(spoke, ns, "back");
    await forceRemove(cluster, "back", agent);
    const start = Date.parse(await marked(cluster, "back"));
    const evicted = sumMetric(await agent.metrics(), "work_agent_evictions_total", { stage: "evicted" });
    await putWork(hub, cluster, "back", manifests);
    await waitForWorkCondition(hub.objects, cluster, "back", "Applied", "True");
    await waitFor(async () => (await appliedWorkFor(spoke, cluster, "back"))?.status?.evictionStartTime === undefined, { message: "mark cleared" });
    // Past the end of the grace period, with reconciles in between: the object is the same one.
    await waitFor(async () => Date.now() > start + GRACE_MS + 1_000, { timeoutMs: GRACE_MS + 5_000 });
    const n = await reconcileCount(agent);
    await touchWork(hub, cluster, "back");
    await waitReconciles(agent, n, 1);
    const after = await readConfigMap(spoke, ns, "back");
    expect(after?.metadata.uid).toBe(before?.metadata.uid);
    expect(after?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
    expect(sumMetric(await agent.metrics(), "work_agent_evictions_total", { stage: "cancelled" })).toBeGreaterThanOrEqual(1);
    expect(sumMetric(await agent.metrics(), "work_agent_evictions_total", { stage: "evicted" })).toBe(evicted);
    await deleteWork(hub, cluster, "back");
    await waitFor(async () => (await readConfigMap(spoke, ns, "back")) === undefined, { message: "a normal delete collects at once" });
  });

  it("with --eviction-grace-period 0 never evicts, across a restart too", async () => {
    await putWork(hub, never, "kept", [configMap(ns, "kept", { a: "1" })]);
    await waitForWorkCondition(hub.objects, never, "kept", "Applied", "True");
    const uid = (await readConfigMap(spoke, ns, "kept"))?.metadata.uid;
    await forceRemove(never, "kept", agentNever);
    await marked(never, "kept");
    expect(await agentNever.stop()).toBe(0);
    agentNever = await startNever();
    // The restarted agent looked at the orphaned AppliedWork again (startup reconciles) and kept it.
    await waitFor(async () => sumMetric(await agentNever.metrics(), "work_agent_evictions_pending") === 1, { message: "eviction pending after the restart" });
    await waitFor(async () => (await reconcileCount(agentNever)) >= 1, { message: "a reconcile after the restart" });
    expect((await readConfigMap(spoke, ns, "kept"))?.metadata.uid).toBe(uid);
    const aw = await appliedWorkFor(spoke, never, "kept");
    expect(aw?.status?.evictionStartTime).toBeDefined();
    // The admin's way out: delete the AppliedWork; the garbage collector removes what it owned.
    await spoke.custom.deleteClusterCustomObject({ group: "multicluster.x-k8s.io", version: "v1alpha1", plural: "appliedworks", name: aw!.metadata.name! });
    await waitFor(async () => (await readConfigMap(spoke, ns, "kept")) === undefined, { timeoutMs: 60_000, message: "collected after the AppliedWork was deleted" });
  });
});
