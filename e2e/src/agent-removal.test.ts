/**
 * Rule 1, what is sent: a manifest is applied whenever the Work's wish
 * differs from what this Work last applied (recorded on the object, so it
 * survives restarts) or the live object drifted. Removing a field, label,
 * annotation, map key or list item removes it on the spoke; fields the Work
 * never set are left alone; no change and reordering send no writes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apply, clients, hubKubeconfig, spokeKubeconfig, testNamespace, waitFor } from "./env.js";
import { mintAgentKubeconfig, startAgent, type AgentProcess } from "./agent-harness.js";
import { waitForWorkCondition } from "./work-helpers.js";
import { configMap, putWork, readConfigMap, reconcileCount, waitReconciles, writeCount } from "./contract-helpers.js";

const cluster = testNamespace("agent-removal");
const ns = testNamespace("agent-removal-spoke", { on: ["spoke1"] });
const hub = clients(hubKubeconfig());
const spoke = clients(spokeKubeconfig(1));
let creds: string;
let agent: AgentProcess;

const start = async (): Promise<AgentProcess> => startAgent({ hubKubeconfig: creds, spokeKubeconfig: spokeKubeconfig(1), clusterName: cluster, args: ["--resync-period", "2s"] });

beforeAll(async () => {
  creds = await mintAgentKubeconfig(hubKubeconfig(), cluster);
  agent = await start();
});

afterAll(async () => {
  expect(await agent?.stop()).toBe(0);
});

const deployment = (env: { name: string; value: string }[]) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: ns },
  spec: {
    replicas: 0,
    selector: { matchLabels: { app: "web" } },
    template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx", env }] } },
  },
});

describe("removing from a manifest removes from the spoke", () => {
  it("removes a data key, a label and an annotation, keeping the object's uid", async () => {
    await putWork(hub, cluster, "cm", [configMap(ns, "cfg", { a: "1", b: "2" }, { labels: { team: "x", tier: "web" }, annotations: { note: "n", keep: "k" } })]);
    await waitForWorkCondition(hub.objects, cluster, "cm", "Applied", "True");
    const before = await readConfigMap(spoke, ns, "cfg");
    expect(before?.data).toEqual({ a: "1", b: "2" });

    await putWork(hub, cluster, "cm", [configMap(ns, "cfg", { a: "1" }, { labels: { team: "x" }, annotations: { keep: "k" } })]);
    await waitForWorkCondition(hub.objects, cluster, "cm", "Applied", "True");
    const after = await waitFor(async () => {
      const o = await readConfigMap(spoke, ns, "cfg");
      return o && o.data?.b === undefined ? o : undefined;
    }, { message: "data.b removed from the spoke" });
    expect(after.data).toEqual({ a: "1" });
    expect(after.metadata?.labels?.team).toBe("x");
    expect(after.metadata?.labels?.tier).toBeUndefined();
    expect(after.metadata?.annotations?.keep).toBe("k");
    expect(after.metadata?.annotations?.note).toBeUndefined();
    expect(after.metadata?.uid).toBe(before?.metadata?.uid);
  });

  it("removes a list item (a container env var)", async () => {
    await putWork(hub, cluster, "deploy", [deployment([{ name: "A", value: "1" }, { name: "B", value: "2" }])]);
    await waitForWorkCondition(hub.objects, cluster, "deploy", "Applied", "True");
    await putWork(hub, cluster, "deploy", [deployment([{ name: "A", value: "1" }])]);
    await waitForWorkCondition(hub.objects, cluster, "deploy", "Applied", "True");
    const d = await waitFor(async () => {
      const live = await spoke.apps.readNamespacedDeployment({ name: "web", namespace: ns });
      return live.spec?.template.spec?.containers[0]?.env?.length === 1 ? live : undefined;
    }, { message: "env B removed" });
    expect(d.spec?.template.spec?.containers[0]?.env).toEqual([{ name: "A", value: "1" }]);
  });

  it("leaves alone the fields the Work never set (another manager's key stays)", async () => {
    await apply(spoke.objects, configMap(ns, "cfg", { extra: "theirs" }), "other-controller");
    await putWork(hub, cluster, "cm", [configMap(ns, "cfg", { a: "2" }, { labels: { team: "x" }, annotations: { keep: "k" } })]);
    await waitForWorkCondition(hub.objects, cluster, "cm", "Applied", "True");
    const cm = await waitFor(async () => {
      const o = await readConfigMap(spoke, ns, "cfg");
      return o?.data?.a === "2" ? o : undefined;
    });
    expect(cm.data).toEqual({ a: "2", extra: "theirs" });
  });

  it("removes a key dropped from the Work while the agent was stopped", async () => {
    await putWork(hub, cluster, "restart", [configMap(ns, "restart", { a: "1", b: "2" })]);
    await waitForWorkCondition(hub.objects, cluster, "restart", "Applied", "True");
    expect(await agent.stop()).toBe(0);
    await putWork(hub, cluster, "restart", [configMap(ns, "restart", { a: "1" })]);
    agent = await start();
    await waitForWorkCondition(hub.objects, cluster, "restart", "Applied", "True");
    const cm = await waitFor(async () => {
      const o = await readConfigMap(spoke, ns, "restart");
      return o?.data?.b === undefined ? o : undefined;
    }, { message: "data.b removed after the restart" });
    expect(cm.data).toEqual({ a: "1" });
  });

  it("sends no apply for a reconcile without change, nor for a reorder of the manifests", async () => {
    const m = [configMap(ns, "r1", { a: "1" }), configMap(ns, "r2", { b: "2" })];
    await putWork(hub, cluster, "order", m);
    await waitForWorkCondition(hub.objects, cluster, "order", "Applied", "True");
    const rv = async (n: string) => (await readConfigMap(spoke, ns, n))?.metadata?.resourceVersion;
    const [rv1, rv2] = [await rv("r1"), await rv("r2")];
    // Let the status write and the follow-up reconcile settle before counting.
    await waitReconciles(agent, await reconcileCount(agent), 4);
    // Reconciles without a change write nothing at all, to either cluster.
    const [hubWrites, spokeWrites] = [await writeCount(agent, "hub"), await writeCount(agent, "spoke")];
    await waitReconciles(agent, await reconcileCount(agent), 4);
    expect([await writeCount(agent, "hub"), await writeCount(agent, "spoke")]).toEqual([hubWrites, spokeWrites]);
    // A reorder sends no apply (PATCH); the AppliedWork may record the new ordinals.
    const applies = await writeCount(agent, "spoke", ["PATCH"]);
    await putWork(hub, cluster, "order", [m[1]!, m[0]!]);
    const w = await waitForWorkCondition(hub.objects, cluster, "order", "Applied", "True");
    expect(w.status?.manifestConditions?.map((c) => c.identifier.name)).toEqual(["r2", "r1"]);
    await waitReconciles(agent, await reconcileCount(agent), 4);
    expect(await writeCount(agent, "spoke", ["PATCH"])).toBe(applies);
    expect([await rv("r1"), await rv("r2")]).toEqual([rv1, rv2]);
  });
});
