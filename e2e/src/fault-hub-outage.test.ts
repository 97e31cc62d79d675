/**
 * Hub outages: the hub API server stopped (connection refused) and, apart,
 * frozen (SIGSTOP: connections hang), 60 s each. Meanwhile the agent keeps
 * running, deletes nothing on the spoke, and keeps reverting drift from the
 * Works it last knew. Within 10 s of the hub's return every Work's status is
 * up to date, including the changes that happened on the spoke during the
 * outage (a manifest that could apply only now; one that can no longer apply).
 *
 * The hub is a private cluster (the shared one serves other files); the agent
 * applies to the shared spoke1 under the shipped RBAC.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintAgentKubeconfig, startAgent, sumMetric, type AgentProcess } from "./agent-harness.js";
import { configMap, putWork, readConfigMap } from "./contract-helpers.js";
import { clients, spokeKubeconfig, uniqueName, waitFor } from "./env.js";
import { startPrivateCluster, type PrivateCluster } from "./fault-plane.js";
import { condition, manifestCondition, readWork, waitForWorkCondition } from "./work-helpers.js";

const OUTAGE_MS = Number(process.env.E2E_OUTAGE_MS ?? 60_000);
const WORKS = 10;
const spoke = clients(spokeKubeconfig(1));
let hub: PrivateCluster;

beforeAll(async () => {
  hub = await startPrivateCluster("hubfault", "hub");
}, 180_000);

afterAll(async () => {
  await hub?.stop();
});

async function createNamespace(c: typeof spoke, name: string): Promise<void> {
  await c.core.createNamespace({ body: { metadata: { name, labels: { "e2e.work-api/test": "true" } } } });
}

/** UIDs of every ConfigMap the Works listed, by namespace/name. */
async function uidsOf(ns: string): Promise<Map<string, string>> {
  const list = await spoke.core.listNamespacedConfigMap({ namespace: ns });
  return new Map(list.items.filter((c) => c.metadata?.name?.startsWith("w")).map((c) => [`${ns}/${c.metadata!.name!}`, c.metadata!.uid!]));
}

for (const mode of ["stopped", "frozen"] as const) {
  describe(`hub ${mode} for ${OUTAGE_MS / 1000} s`, () => {
    const cluster = uniqueName(`outage-${mode}`);
    const ns = uniqueName(`outage-${mode}-spoke`);
    const late = `${ns}-late`;
    const doomed = `${ns}-doomed`;
    let agent: AgentProcess;

    beforeAll(async () => {
      await createNamespace(hub.clients, cluster);
      await createNamespace(spoke, ns);
      await createNamespace(spoke, doomed);
      agent = await startAgent({ hubKubeconfig: await mintAgentKubeconfig(hub.kubeconfig, cluster), spokeKubeconfig: spokeKubeconfig(1), clusterName: cluster });
    }, 60_000);

    afterAll(async () => {
      expect(await agent?.stop()).toBe(0);
      for (const n of [ns, late, doomed]) await spoke.core.deleteNamespace({ name: n }).catch(() => undefined);
    });

    it("deletes nothing, reverts drift meanwhile, and has every status up to date within 10 s of the hub's return", async () => {
      for (let i = 0; i < WORKS; i++) await putWork(hub.clients, cluster, `w${i}`, [configMap(ns, `w${i}-a`, { v: String(i) }), configMap(ns, `w${i}-b`, { v: String(i) })]);
      // One Work whose namespace appears on the spoke only during the outage, one whose namespace goes then.
      await putWork(hub.clients, cluster, "late", [configMap(late, "w-late", { v: "late" })]);
      await putWork(hub.clients, cluster, "doomed", [configMap(doomed, "w-doomed", { v: "doomed" })]);
      for (let i = 0; i < WORKS; i++) await waitForWorkCondition(hub.clients.objects, cluster, `w${i}`, "Applied", "True");
      await waitForWorkCondition(hub.clients.objects, cluster, "doomed", "Applied", "True");
      const lateBefore = await waitForWorkCondition(hub.clients.objects, cluster, "late", "Applied", "False");
      expect(manifestCondition(lateBefore, 0)?.conditions.find((c) => c.type === "Applied")?.reason).toBe("NamespaceNotFound");
      const before = await uidsOf(ns);
      expect(before.size).toBe(2 * WORKS);

      const outageStart = Date.now();
      let reachableDuring: number | undefined;
      if (mode === "stopped") await hub.cluster.stopComponent("kube-apiserver", { graceMs: 2_000 });
      else hub.cluster.freezeComponent("kube-apiserver");
      try {
        // Drift while the hub is away: an edited field and a deleted object, both from the cached Works.
        await spoke.core.patchNamespacedConfigMap({ name: "w0-a", namespace: ns, body: [{ op: "replace", path: "/data/v", value: "drifted" }] });
        await spoke.core.deleteNamespacedConfigMap({ name: "w1-b", namespace: ns });
        await waitFor(async () => (await readConfigMap(spoke, ns, "w0-a"))?.data?.v === "0", { message: "edit reverted during the outage" });
        await waitFor(async () => (await readConfigMap(spoke, ns, "w1-b"))?.data?.v === "1", { message: "deleted object re-created during the outage" });
        // Changes only the agent's status can report: a namespace appears, another goes.
        await createNamespace(spoke, late);
        await spoke.core.deleteNamespace({ name: doomed });
        await waitFor(async () => (await spoke.core.listNamespace()).items.every((n) => n.metadata?.name !== doomed), { timeoutMs: 60_000, message: `namespace ${doomed} gone` });
        // Nothing the Works hold was deleted, up to the end of the outage (checked every second).
        await waitFor(
          async () => {
            const now = await uidsOf(ns);
            for (const [k, uid] of before) if (k !== `${ns}/w1-b` && now.get(k) !== uid) throw new Error(`${k} was deleted or replaced during the outage`);
            expect(now.size).toBe(2 * WORKS);
            return Date.now() - outageStart >= OUTAGE_MS;
          },
          { timeoutMs: OUTAGE_MS + 30_000, intervalMs: 1_000, message: "end of the outage" },
        );
        expect(agent.proc.exitCode).toBeNull();
        reachableDuring = sumMetric(await agent.metrics(), "work_agent_hub_reachable");
      } finally {
        if (mode === "stopped") await hub.cluster.startComponent("kube-apiserver");
        else hub.cluster.thawComponent("kube-apiserver");
      }
      const back = Date.now();

      // Within 10 s of the hub's return (its /readyz answers, or it is thawed): every Work's status is current.
      await waitFor(
        async () => {
          const lateNow = await readWork(hub.clients.objects, cluster, "late");
          const doomedNow = await readWork(hub.clients.objects, cluster, "doomed");
          const applied = (w: typeof lateNow): string | undefined => condition(w?.status?.conditions, "Applied")?.status;
          if (applied(lateNow) !== "True" || applied(doomedNow) !== "False") return false;
          if (manifestCondition(doomedNow, 0)?.conditions.find((c) => c.type === "Applied")?.reason !== "NamespaceNotFound") return false;
          // The other Works did not regress on the way (their status was already current before).
          for (let i = 0; i < WORKS; i++) {
            const w = await readWork(hub.clients.objects, cluster, `w${i}`);
            const c = condition(w?.status?.conditions, "Applied");
            if (c?.status !== "True" || c.observedGeneration !== w?.metadata.generation) return false;
          }
          return true;
        },
        { timeoutMs: 10_000, intervalMs: 200, message: "every Work's status up to date within 10 s of the hub's return" },
      );
      console.info(`[fault] hub ${mode} ${Math.round((back - outageStart) / 1000)} s: statuses current ${Date.now() - back} ms after its return`);
      expect((await readConfigMap(spoke, late, "w-late"))?.data?.v).toBe("late");
      const after = await uidsOf(ns);
      for (const [k, uid] of before) if (k !== `${ns}/w1-b`) expect(after.get(k), k).toBe(uid);
      // The agent knew the hub was away (and stopped sending it requests), and knows it is back.
      expect(reachableDuring).toBe(0);
      expect(sumMetric(await agent.metrics(), "work_agent_hub_reachable")).toBe(1);
    }, OUTAGE_MS + 180_000);
  });
}
