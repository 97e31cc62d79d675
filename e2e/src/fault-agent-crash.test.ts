/**
 * Agent crash: `kill -9` while 200 Works (3 manifests each) are being
 * applied, then a restart. Every Work converges; nothing is created twice
 * (every object that existed at the kill keeps its uid); nothing is leaked
 * (every object the agent labelled is in an AppliedWork, every AppliedWork
 * entry exists); nothing applied is deleted. While the agent is down one Work
 * is deleted (finalizer in place: collected on restart), one edited (applied
 * exactly on restart) and one force-removed (evicted only after the grace
 * period).
 */
import { PatchStrategy } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppliedWork } from "@work-api/api";
import { mintAgentKubeconfig, startAgent, type AgentProcess } from "./agent-harness.js";
import { appliedWorkFor, appliedWorksOf, configMap, deleteWork, putWork, readConfigMap, waitWorkGone } from "./contract-helpers.js";
import { clients, hubKubeconfig, spokeKubeconfig, testNamespace, waitFor } from "./env.js";
import { condition, readWork, waitForWorkCondition } from "./work-helpers.js";

const WORKS = Number(process.env.E2E_CRASH_WORKS ?? 200);
const GRACE_MS = 15_000;
const cluster = testNamespace("agent-crash");
const ns = testNamespace("agent-crash-spoke", { on: ["spoke1"] });
const hub = clients(hubKubeconfig());
const spoke = clients(spokeKubeconfig(1));
let creds: string;
let agent: AgentProcess | undefined;

const start = async (): Promise<AgentProcess> =>
  startAgent({ hubKubeconfig: creds, spokeKubeconfig: spokeKubeconfig(1), clusterName: cluster, args: ["--eviction-grace-period", `${GRACE_MS / 1000}s`, "--concurrency", "8"] });

beforeAll(async () => {
  creds = await mintAgentKubeconfig(hubKubeconfig(), cluster);
  agent = await start();
});

afterAll(async () => {
  if (agent) expect(await agent.stop()).toBe(0);
});

const manifests = (name: string): object[] => [0, 1, 2].map((j) => configMap(ns, `${name}-${j}`, { v: `${name}-${j}` }));

/** ConfigMaps in the test namespace: name -> uid. */
async function spokeObjects(): Promise<Map<string, string>> {
  const list = await spoke.core.listNamespacedConfigMap({ namespace: ns });
  return new Map(list.items.filter((c) => c.metadata?.name !== "kube-root-ca.crt").map((c) => [c.metadata!.name!, c.metadata!.uid!]));
}

async function appliedCount(): Promise<number> {
  const list = (await hub.custom.listNamespacedCustomObject({ group: "multicluster.x-k8s.io", version: "v1alpha1", namespace: cluster, plural: "works" })) as { items: { status?: { conditions?: { type: string; status: string }[] } }[] };
  return list.items.filter((w) => condition(w.status?.conditions as never, "Applied")?.status === "True").length;
}

describe("agent kill -9 mid-apply", () => {
  it("converges after a restart: nothing created twice, leaked or deleted by mistake", async () => {
    // Three Works applied before the crash, changed while the agent is down.
    for (const n of ["deleted", "edited", "forced"]) await putWork(hub, cluster, n, manifests(n));
    for (const n of ["deleted", "edited", "forced"]) await waitForWorkCondition(hub.objects, cluster, n, "Applied", "True");

    for (let i = 0; i < WORKS; i += 20) await Promise.all(Array.from({ length: Math.min(20, WORKS - i) }, (_, k) => putWork(hub, cluster, `bulk${i + k}`, manifests(`bulk${i + k}`))));
    // Mid-apply: some of the Works applied, most not yet.
    await waitFor(async () => (await appliedCount()) >= 3 + Math.min(40, WORKS / 4), { timeoutMs: 120_000, intervalMs: 100, message: "a quarter of the Works applied" });
    agent!.proc.kill("SIGKILL");
    await agent!.stop();
    agent = undefined;
    const atKill = await spokeObjects();
    const appliedAtKill = await appliedCount();
    expect(appliedAtKill).toBeLessThan(WORKS + 3);

    // While the agent is down: a normal delete, an edit (a changed value, one manifest dropped, one added), a force-removal.
    await deleteWork(hub, cluster, "deleted");
    await putWork(hub, cluster, "edited", [configMap(ns, "edited-0", { v: "changed" }), configMap(ns, "edited-1", { v: "edited-1" }), configMap(ns, "edited-3", { v: "new" })]);
    await hub.objects.patch({ apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "Work", metadata: { name: "forced", namespace: cluster, finalizers: [] } }, undefined, undefined, "e2e", undefined, PatchStrategy.MergePatch);
    await deleteWork(hub, cluster, "forced");
    await waitWorkGone(hub, cluster, "forced");

    agent = await start();
    const restarted = Date.now();
    for (let i = 0; i < WORKS; i++) await waitForWorkCondition(hub.objects, cluster, `bulk${i}`, "Applied", "True", { timeoutMs: 180_000 });
    await waitForWorkCondition(hub.objects, cluster, "edited", "Applied", "True");
    await waitWorkGone(hub, cluster, "deleted");

    // The deleted Work is collected; the edited one is exactly its new manifests.
    for (const j of [0, 1, 2]) expect(await readConfigMap(spoke, ns, `deleted-${j}`)).toBeUndefined();
    expect((await readConfigMap(spoke, ns, "edited-0"))?.data).toEqual({ v: "changed" });
    expect((await readConfigMap(spoke, ns, "edited-1"))?.data).toEqual({ v: "edited-1" });
    expect((await readConfigMap(spoke, ns, "edited-3"))?.data).toEqual({ v: "new" });
    await waitFor(async () => (await readConfigMap(spoke, ns, "edited-2")) === undefined, { message: "edited-2 pruned" });

    // The force-removed Work is marked, its objects kept until the grace period has passed.
    const mark = await waitFor(async () => (await appliedWorkFor(spoke, cluster, "forced"))?.status?.evictionStartTime, { message: "eviction mark on forced" });
    for (const j of [0, 1, 2]) expect((await readConfigMap(spoke, ns, `forced-${j}`))?.metadata.uid).toBe(atKill.get(`forced-${j}`));
    const goneAt = await waitFor(async () => ((await readConfigMap(spoke, ns, "forced-0")) === undefined ? Date.now() : undefined), { timeoutMs: GRACE_MS + 60_000, intervalMs: 200, message: "forced evicted after the grace period" });
    expect(goneAt - Date.parse(mark)).toBeGreaterThanOrEqual(GRACE_MS - 200);

    // Nothing created twice, nothing applied deleted: every bulk object that existed at the kill is the same object.
    const now = await spokeObjects();
    let kept = 0;
    for (const [name, uid] of atKill) {
      if (!name.startsWith("bulk")) continue;
      expect(now.get(name), `${name} deleted or re-created`).toBe(uid);
      kept++;
    }
    expect(kept).toBeGreaterThan(0);
    for (let i = 0; i < WORKS; i++) for (const j of [0, 1, 2]) expect(now.has(`bulk${i}-${j}`), `bulk${i}-${j}`).toBe(true);

    // Nothing leaked: the agent's objects are exactly the AppliedWorks' entries of this cluster.
    const aws = (await appliedWorksOf(spoke)).filter((a: AppliedWork) => a.spec.workNamespace === cluster);
    expect(aws.map((a) => a.spec.workName).sort()).toEqual([...Array.from({ length: WORKS }, (_, i) => `bulk${i}`), "edited"].sort());
    const listed = new Set(aws.flatMap((a) => (a.status?.appliedResources ?? []).filter((r) => r.namespace === ns).map((r) => r.name)));
    expect([...listed].sort()).toEqual([...now.keys()].sort());
    for (const aw of aws) expect(aw.status?.appliedResources ?? [], aw.spec.workName).toHaveLength(3);
    console.info(`[fault] kill -9 with ${appliedAtKill} of ${WORKS + 3} Works applied and ${atKill.size} objects on the spoke; all converged ${Date.now() - restarted} ms after the restart; 0 leaked, 0 re-created, 0 deleted by mistake`);
    expect((await readWork(hub.objects, cluster, "deleted"))).toBeUndefined();
  }, 600_000);
});
