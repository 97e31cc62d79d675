/**
 * Rules 2-4: several Works (and several agents) listing one object. Each
 * Work owns its own fields and ownerReference; letting go releases only
 * those; the object keeps its uid and is deleted with the last Work. A field
 * two Works set differently stays with its holder; the other reports
 * ApplyConflict without writing. The agents run with the default (10 min)
 * resync, so whatever is fixed quickly was fixed by a spoke event.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apply, clients, hubKubeconfig, spokeKubeconfig, testNamespace, uniqueName, waitFor } from "./env.js";
import { mintAgentKubeconfig, startAgent, type AgentProcess } from "./agent-harness.js";
import { condition, manifestCondition, readWork, waitForWorkCondition } from "./work-helpers.js";
import {
  appliedWorkFor,
  appliedWorkOwners,
  configMap,
  deleteWork,
  putWork,
  readConfigMap,
  reconcileCount,
  touchWork,
  waitReconciles,
  waitWorkGone,
  writeCount,
} from "./contract-helpers.js";

const cluster = testNamespace("agent-sharing");
const other = testNamespace("agent-sharing-b");
const strict = testNamespace("agent-sharing-strict");
const ns = testNamespace("agent-sharing-spoke", { on: ["spoke1"] });
const hub = clients(hubKubeconfig());
const spoke = clients(spokeKubeconfig(1));
let agent: AgentProcess;
let agentB: AgentProcess;
let agentStrict: AgentProcess;

beforeAll(async () => {
  const start = async (hubNs: string, args: string[] = []): Promise<AgentProcess> =>
    startAgent({ hubKubeconfig: await mintAgentKubeconfig(hubKubeconfig(), hubNs), spokeKubeconfig: spokeKubeconfig(1), clusterName: hubNs, args });
  agent = await start(cluster);
  agentB = await start(other);
  agentStrict = await start(strict, ["--force-conflicts=false"]);
});

afterAll(async () => {
  for (const a of [agent, agentB, agentStrict]) expect(await a?.stop()).toBe(0);
});

async function awUid(workNs: string, name: string): Promise<string> {
  return waitFor(async () => (await appliedWorkFor(spoke, workNs, name))?.metadata.uid, { message: `AppliedWork of ${workNs}/${name}` });
}

describe("a shared object", () => {
  it("keeps its uid when one of two Works lets go, and is deleted with the last one", async () => {
    const shared = configMap(ns, "shared", { a: "1" });
    await putWork(hub, cluster, "share-a", [shared]);
    await putWork(hub, cluster, "share-b", [shared, configMap(ns, "only-b", { b: "1" })]);
    await waitForWorkCondition(hub.objects, cluster, "share-a", "Applied", "True");
    await waitForWorkCondition(hub.objects, cluster, "share-b", "Applied", "True");
    const [uidA, uidB] = [await awUid(cluster, "share-a"), await awUid(cluster, "share-b")];
    const first = await waitFor(async () => {
      const o = await readConfigMap(spoke, ns, "shared");
      return appliedWorkOwners(o).length === 2 ? o : undefined;
    }, { message: "both AppliedWorks own the shared object" });
    expect(appliedWorkOwners(first).sort()).toEqual([uidA, uidB].sort());

    // Reconciles of both Works rewrite nothing.
    const n = await reconcileCount(agent);
    await touchWork(hub, cluster, "share-a");
    await touchWork(hub, cluster, "share-b");
    await waitReconciles(agent, n, 2);
    expect((await readConfigMap(spoke, ns, "shared"))?.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);

    await deleteWork(hub, cluster, "share-a");
    await waitWorkGone(hub, cluster, "share-a");
    const n2 = await reconcileCount(agent);
    await touchWork(hub, cluster, "share-b");
    await waitReconciles(agent, n2, 1);
    const kept = await readConfigMap(spoke, ns, "shared");
    expect(kept?.metadata?.uid).toBe(first.metadata?.uid);
    expect(kept?.metadata?.deletionTimestamp).toBeUndefined();
    expect(appliedWorkOwners(kept)).toEqual([uidB]);
    expect(kept?.data).toEqual({ a: "1" });
    const b = await readWork(hub.objects, cluster, "share-b");
    expect(condition(b?.status?.conditions, "Applied")?.status).toBe("True");
    expect(condition(b?.status?.conditions, "Available")?.status).toBe("True");

    await deleteWork(hub, cluster, "share-b");
    await waitWorkGone(hub, cluster, "share-b");
    await waitFor(async () => (await readConfigMap(spoke, ns, "shared")) === undefined, { message: "shared object deleted with the last Work" });
  });

  it("wakes every Work that lists it: each Work's own field is reverted after an out-of-band edit", async () => {
    await putWork(hub, cluster, "fields-a", [configMap(ns, "fields", { a: "from-a" })]);
    await waitForWorkCondition(hub.objects, cluster, "fields-a", "Applied", "True");
    await putWork(hub, cluster, "fields-b", [configMap(ns, "fields", { b: "from-b" })]);
    await waitForWorkCondition(hub.objects, cluster, "fields-b", "Applied", "True");
    for (const [key, want] of [["a", "from-a"], ["b", "from-b"]] as const) {
      await spoke.core.patchNamespacedConfigMap({ name: "fields", namespace: ns, body: [{ op: "replace", path: `/data/${key}`, value: "edited" }] });
      await waitFor(async () => (await readConfigMap(spoke, ns, "fields"))?.data?.[key] === want, { timeoutMs: 20_000, message: `data.${key} reverted by its Work` });
    }
    await deleteWork(hub, cluster, "fields-a");
    await deleteWork(hub, cluster, "fields-b");
    await waitFor(async () => (await readConfigMap(spoke, ns, "fields")) === undefined, { message: "deleted with both Works" });
  });

  it("does not delete a Namespace another Work still uses; the last Work with objects in it deletes it", async () => {
    const space = uniqueName("shared-ns");
    await putWork(hub, cluster, "ns-a", [{ apiVersion: "v1", kind: "Namespace", metadata: { name: space } }, configMap(space, "a", { a: "1" })]);
    await waitForWorkCondition(hub.objects, cluster, "ns-a", "Applied", "True");
    await putWork(hub, cluster, "ns-b", [configMap(space, "b", { b: "1" })]);
    await waitForWorkCondition(hub.objects, cluster, "ns-b", "Applied", "True");
    const uid = (await spoke.core.readNamespace({ name: space })).metadata?.uid;
    await deleteWork(hub, cluster, "ns-a");
    await waitWorkGone(hub, cluster, "ns-a");
    await waitFor(async () => (await readConfigMap(spoke, space, "a")) === undefined, { message: "ns-a's own ConfigMap deleted" });
    const live = await spoke.core.readNamespace({ name: space });
    expect(live.metadata?.uid).toBe(uid);
    expect(live.metadata?.deletionTimestamp).toBeUndefined();
    expect((await readConfigMap(spoke, space, "b"))?.data).toEqual({ b: "1" });
    await deleteWork(hub, cluster, "ns-b");
    await waitWorkGone(hub, cluster, "ns-b");
    await waitFor(async () => {
      try {
        const n = await spoke.core.readNamespace({ name: space });
        return n.metadata?.deletionTimestamp !== undefined;
      } catch {
        return true;
      }
    }, { message: "the handed-off Namespace deleted with the last Work that used it" });
  });
});

describe("a field two Works set differently", () => {
  it("stays with the Work that holds it; the other reports ApplyConflict naming the holder and writes nothing until it lets go", async () => {
    await putWork(hub, cluster, "holder", [configMap(ns, "contested", { x: "1" })]);
    await waitForWorkCondition(hub.objects, cluster, "holder", "Applied", "True");
    await putWork(hub, cluster, "waiter", [configMap(ns, "contested", { x: "2", y: "waiter" })]);
    const w = await waitForWorkCondition(hub.objects, cluster, "waiter", "Applied", "False");
    const applied = condition(manifestCondition(w, 0)?.conditions, "Applied");
    expect(applied?.reason).toBe("ApplyConflict");
    expect(applied?.message).toContain(`Work ${cluster}/holder`);
    expect(applied?.message).toContain(".data.x");
    const held = await readConfigMap(spoke, ns, "contested");
    expect(held?.data).toEqual({ x: "1" });

    // No flapping: more reconciles of both Works leave the object as it is.
    const n = await reconcileCount(agent);
    await touchWork(hub, cluster, "waiter");
    await waitReconciles(agent, n, 1);
    await touchWork(hub, cluster, "holder");
    await touchWork(hub, cluster, "waiter");
    await waitReconciles(agent, n, 3);
    expect((await readConfigMap(spoke, ns, "contested"))?.metadata?.resourceVersion).toBe(held?.metadata?.resourceVersion);
    expect(condition((await readWork(hub.objects, cluster, "holder"))?.status?.conditions, "Applied")?.status).toBe("True");

    // The holder lets go of x: the waiting Work applies.
    await putWork(hub, cluster, "holder", [configMap(ns, "contested", { z: "holder" })]);
    await waitForWorkCondition(hub.objects, cluster, "waiter", "Applied", "True");
    await waitFor(async () => {
      const o = await readConfigMap(spoke, ns, "contested");
      return o?.data?.x === "2" && o.data.y === "waiter" && o.data.z === "holder";
    }, { message: "waiter applied after the holder let go" });
    await deleteWork(hub, cluster, "holder");
    await deleteWork(hub, cluster, "waiter");
  });

  it("hands the object to the waiting Work when the holder is deleted: same uid, the waiter's value", async () => {
    await putWork(hub, cluster, "holder2", [configMap(ns, "contested2", { x: "1" })]);
    await waitForWorkCondition(hub.objects, cluster, "holder2", "Applied", "True");
    const uid = (await readConfigMap(spoke, ns, "contested2"))?.metadata?.uid;
    await putWork(hub, cluster, "waiter2", [configMap(ns, "contested2", { x: "2" })]);
    await waitForWorkCondition(hub.objects, cluster, "waiter2", "Applied", "False");
    await deleteWork(hub, cluster, "holder2");
    await waitWorkGone(hub, cluster, "holder2");
    await waitForWorkCondition(hub.objects, cluster, "waiter2", "Applied", "True");
    const o = await waitFor(async () => {
      const c = await readConfigMap(spoke, ns, "contested2");
      return c?.data?.x === "2" ? c : undefined;
    }, { message: "the waiter applied its value" });
    expect(o.metadata.uid).toBe(uid);
    expect(appliedWorkOwners(o)).toEqual([await awUid(cluster, "waiter2")]);
    await deleteWork(hub, cluster, "waiter2");
    await waitFor(async () => (await readConfigMap(spoke, ns, "contested2")) === undefined, { message: "deleted with the waiter, its last Work" });
  });

  it("still overrides an out-of-band manager (drift correction), and with --force-conflicts=false reports it instead", async () => {
    await apply(spoke.objects, configMap(ns, "oob", { x: "kubectl" }), "kubectl");
    await putWork(hub, cluster, "oob", [configMap(ns, "oob", { x: "work" })]);
    await waitForWorkCondition(hub.objects, cluster, "oob", "Applied", "True");
    await waitFor(async () => (await readConfigMap(spoke, ns, "oob"))?.data?.x === "work");

    await apply(spoke.objects, configMap(ns, "oob-strict", { x: "kubectl" }), "kubectl");
    await putWork(hub, strict, "oob", [configMap(ns, "oob-strict", { x: "work" })]);
    const w = await waitForWorkCondition(hub.objects, strict, "oob", "Applied", "False");
    const applied = condition(manifestCondition(w, 0)?.conditions, "Applied");
    expect(applied?.reason).toBe("ApplyConflict");
    expect(applied?.message).toContain('"kubectl"');
    expect((await readConfigMap(spoke, ns, "oob-strict"))?.data).toEqual({ x: "kubectl" });
    await deleteWork(hub, cluster, "oob");
    await deleteWork(hub, strict, "oob");
  });
});

describe("two agents (two hub namespaces) on one spoke", () => {
  it("share one object without a loop, and delete it only with the last Work", async () => {
    const shared = configMap(ns, "two-agents", { common: "same" });
    await putWork(hub, cluster, "two", [shared]);
    await putWork(hub, other, "two", [configMap(ns, "two-agents", { common: "same", mine: "b" })]);
    await waitForWorkCondition(hub.objects, cluster, "two", "Applied", "True");
    await waitForWorkCondition(hub.objects, other, "two", "Applied", "True");
    const first = await waitFor(async () => {
      const o = await readConfigMap(spoke, ns, "two-agents");
      return appliedWorkOwners(o).length === 2 && o?.data?.mine === "b" ? o : undefined;
    }, { message: "both agents applied" });

    const [pa, pb] = [await writeCount(agent, "spoke", ["PATCH"]), await writeCount(agentB, "spoke", ["PATCH"])];
    const [na, nb] = [await reconcileCount(agent), await reconcileCount(agentB)];
    for (let i = 0; i < 2; i++) {
      await touchWork(hub, cluster, "two");
      await touchWork(hub, other, "two");
      await waitReconciles(agent, na, i + 1);
      await waitReconciles(agentB, nb, i + 1);
    }
    expect([await writeCount(agent, "spoke", ["PATCH"]), await writeCount(agentB, "spoke", ["PATCH"])]).toEqual([pa, pb]);
    expect((await readConfigMap(spoke, ns, "two-agents"))?.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);

    await deleteWork(hub, other, "two");
    await waitWorkGone(hub, other, "two");
    const kept = await waitFor(async () => {
      const o = await readConfigMap(spoke, ns, "two-agents");
      return o && o.data?.mine === undefined ? o : undefined;
    }, { message: "the second agent's field released" });
    expect(kept.metadata?.uid).toBe(first.metadata?.uid);
    expect(kept.data).toEqual({ common: "same" });
    expect(appliedWorkOwners(kept)).toEqual([await awUid(cluster, "two")]);

    await deleteWork(hub, cluster, "two");
    await waitFor(async () => (await readConfigMap(spoke, ns, "two-agents")) === undefined, { message: "deleted with the last Work" });
  });
});
