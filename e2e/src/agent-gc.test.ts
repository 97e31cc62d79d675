/**
 * Garbage collection by the agent: pruning, renames, Work deletion with
 * finalizing objects, and the KEP recovery path through the spoke's garbage
 * collector.
 */
import { PatchStrategy } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppliedWork } from "@work-api/api";
import { apply, clients, getOrUndefined, hubKubeconfig, spokeKubeconfig, testNamespace, uniqueName, waitFor } from "./env.js";
import { mintAgentKubeconfig, startAgent, type AgentProcess } from "./agent-harness.js";
import { readWork, waitForWorkCondition, workObject } from "./work-helpers.js";

const cluster = testNamespace("agent-gc");
const ns = testNamespace("agent-gc-spoke", { on: ["spoke1"] });
const hub = clients(hubKubeconfig());
const spoke = clients(spokeKubeconfig(1));
let creds: string;
let agent: AgentProcess | undefined;

beforeAll(async () => {
  creds = await mintAgentKubeconfig(hubKubeconfig(), cluster);
  agent = await startAgent({ hubKubeconfig: creds, spokeKubeconfig: spokeKubeconfig(1), clusterName: cluster });
});

afterAll(async () => {
  await agent?.stop();
});

const cm = (name: string, extra: object = {}) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: ns, ...extra }, data: { k: name } });
const cmRef = (name: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: ns } });
const exists = async (name: string) => (await getOrUndefined(spoke.objects, cmRef(name))) !== undefined;

async function appliedWorkOf(work: string): Promise<AppliedWork | undefined> {
  const res = (await spoke.custom.listClusterCustomObject({ group: "multicluster.x-k8s.io", version: "v1alpha1", plural: "appliedworks" })) as { items: AppliedWork[] };
  return res.items.find((a) => a.spec.workName === work && a.spec.workNamespace === cluster);
}

describe("work-agent garbage collection", () => {
  it("prunes a manifest removed from the Work", async () => {
    await apply(hub.objects, workObject(cluster, "prune", [cm("a"), cm("b")]));
    await waitForWorkCondition(hub.objects, cluster, "prune", "Applied", "True");
    expect(await exists("a")).toBe(true);
    expect(await exists("b")).toBe(true);
    await apply(hub.objects, workObject(cluster, "prune", [cm("a")]));
    await waitFor(async () => !(await exists("b")), { message: "b pruned" });
    expect(await exists("a")).toBe(true);
    const aw = await waitFor(async () => {
      const a = await appliedWorkOf("prune");
      return a?.status?.appliedResources?.length === 1 ? a : undefined;
    });
    expect(aw.status?.appliedResources?.[0]?.name).toBe("a");
  });

  it("prunes the old object and applies the new one when a manifest is renamed", async () => {
    await apply(hub.objects, workObject(cluster, "prune", [cm("a2")]));
    await waitFor(async () => (await exists("a2")) && !(await exists("a")), { message: "a renamed to a2" });
  });

  it("never deletes an object someone re-created under the same name (uid precondition)", async () => {
    await apply(hub.objects, workObject(cluster, "uid", [cm("u")]));
    await waitForWorkCondition(hub.objects, cluster, "uid", "Applied", "True");
    await agent!.stop();
    agent = undefined;
    // Replace the object behind the agent's back, then remove it from the Work.
    await spoke.core.deleteNamespacedConfigMap({ name: "u", namespace: ns });
    await spoke.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "u" }, data: { mine: "yes" } } });
    await apply(hub.objects, workObject(cluster, "uid", []));
    agent = await startAgent({ hubKubeconfig: creds, spokeKubeconfig: spokeKubeconfig(1), clusterName: cluster });
    await waitFor(async () => (await appliedWorkOf("uid"))?.status?.appliedResources?.length === 0, { message: "inventory emptied" });
    expect((await spoke.core.readNamespacedConfigMap({ name: "u", namespace: ns })).data).toEqual({ mine: "yes" });
  });

  it("deletes every object of a deleted Work, keeping the Work's finalizer until finalizing objects are gone", async () => {
    await apply(hub.objects, workObject(cluster, "held", [cm("held", { finalizers: ["example.com/hold"] }), cm("free")]));
    await waitForWorkCondition(hub.objects, cluster, "held", "Applied", "True");
    await hub.objects.delete({ apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "Work", metadata: { name: "held", namespace: cluster } });
    await waitFor(async () => !(await exists("free")), { message: "free deleted" });
    const held = await waitFor(async () => (await spoke.core.readNamespacedConfigMap({ name: "held", namespace: ns })).metadata?.deletionTimestamp !== undefined, { message: "held terminating" });
    expect(held).toBe(true);
    // The object is still finalizing, so the Work and the AppliedWork stay.
    await new Promise((r) => setTimeout(r, 3000));
    expect((await readWork(hub.objects, cluster, "held"))?.metadata.deletionTimestamp).toBeDefined();
    expect(await appliedWorkOf("held")).toBeDefined();
    await spoke.core.patchNamespacedConfigMap({ name: "held", namespace: ns, body: [{ op: "remove", path: "/metadata/finalizers" }] });
    await waitFor(async () => (await readWork(hub.objects, cluster, "held")) === undefined, { timeoutMs: 30_000, message: "work finalized" });
    expect(await appliedWorkOf("held")).toBeUndefined();
    expect(await exists("held")).toBe(false);
  });

  it("deleting the AppliedWork by hand removes every object, the Namespace too, through the garbage collector", async () => {
    const spokeNsObj = uniqueName("rec");
    await apply(hub.objects, workObject(cluster, "recovery", [cm("r1"), cm("r2"), { apiVersion: "v1", kind: "Namespace", metadata: { name: spokeNsObj } }]));
    await waitForWorkCondition(hub.objects, cluster, "recovery", "Applied", "True");
    // The agent is gone (recovery path): stop it, then the spoke admin deletes the AppliedWork.
    await agent!.stop();
    agent = undefined;
    const aw = (await appliedWorkOf("recovery"))!;
    await spoke.custom.deleteClusterCustomObject({ group: "multicluster.x-k8s.io", version: "v1alpha1", plural: "appliedworks", name: aw.metadata.name! });
    await waitFor(async () => !(await exists("r1")) && !(await exists("r2")), { timeoutMs: 60_000, message: "garbage collector removed r1 and r2" });
    // Cluster-scoped objects carry the ownerReference too.
    await waitFor(async () => (await getOrUndefined(spoke.objects, { apiVersion: "v1", kind: "Namespace", metadata: { name: spokeNsObj } })) === undefined, { timeoutMs: 60_000, message: "garbage collector removed the Namespace" });
    // Remove the Work without an agent: drop the finalizer as an admin would.
    await hub.objects.patch(
      { apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "Work", metadata: { name: "recovery", namespace: cluster, finalizers: [] } },
      undefined, undefined, "e2e", undefined, PatchStrategy.MergePatch,
    );
    await hub.objects.delete({ apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "Work", metadata: { name: "recovery", namespace: cluster } });
    agent = await startAgent({ hubKubeconfig: creds, spokeKubeconfig: spokeKubeconfig(1), clusterName: cluster });
  });
});
