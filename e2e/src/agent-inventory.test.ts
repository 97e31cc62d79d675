/**
 * Rule 5, the crash-safe inventory: the AppliedWork lists an object before
 * the agent creates it, so a `kill -9` at any point leaks nothing; every
 * object, cluster-scoped ones included, carries an ownerReference to its
 * AppliedWork (the KEP recovery path); prune resolves group and kind through
 * discovery, so an object applied under a version no longer served is found.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clients, deleteIfExists, getOrUndefined, hubKubeconfig, spokeKubeconfig, testNamespace, uniqueName, waitFor } from "./env.js";
import { mintAgentKubeconfig, startAgent, type AgentProcess } from "./agent-harness.js";
import { waitForWorkCondition } from "./work-helpers.js";
import { appliedWorkFor, appliedWorkOwners, configMap, deleteWork, putWork, readConfigMap, waitWorkGone } from "./contract-helpers.js";

const cluster = testNamespace("agent-inventory");
const hub = clients(hubKubeconfig());
const spoke = clients(spokeKubeconfig(1));
let creds: string;
let agent: AgentProcess | undefined;

const start = async (): Promise<AgentProcess> => startAgent({ hubKubeconfig: creds, spokeKubeconfig: spokeKubeconfig(1), clusterName: cluster });

beforeAll(async () => {
  creds = await mintAgentKubeconfig(hubKubeconfig(), cluster);
  agent = await start();
});

afterAll(async () => {
  await agent?.stop();
});

describe("the AppliedWork inventory", () => {
  it("lists every object before the agent creates it: kill -9 at the first create leaks nothing", async () => {
    const space = uniqueName("crash");
    const cms = Array.from({ length: 40 }, (_, i) => configMap(space, `cm-${i}`, { i: String(i) }));
    await putWork(hub, cluster, "crash", [{ apiVersion: "v1", kind: "Namespace", metadata: { name: space } }, ...cms]);
    // The Namespace is applied first; kill the agent the moment it exists.
    await waitFor(async () => (await getOrUndefined(spoke.objects, { apiVersion: "v1", kind: "Namespace", metadata: { name: space } })) !== undefined, { intervalMs: 5, timeoutMs: 30_000, message: "namespace created" });
    agent!.proc.kill("SIGKILL");
    await agent!.stop();
    agent = undefined;

    const aw = await appliedWorkFor(spoke, cluster, "crash");
    const listed = new Set((aw?.status?.appliedResources ?? []).map((r) => `${r.kind}/${r.namespace ?? ""}/${r.name}`));
    expect(listed.has(`Namespace//${space}`)).toBe(true);
    for (const cm of cms) expect(listed.has(`ConfigMap/${space}/${cm.metadata.name}`)).toBe(true);

    // While it is down, the Work shrinks to one ConfigMap; the restarted agent prunes all the rest.
    await putWork(hub, cluster, "crash", [{ apiVersion: "v1", kind: "Namespace", metadata: { name: space } }, cms[0]!]);
    agent = await start();
    await waitForWorkCondition(hub.objects, cluster, "crash", "Applied", "True");
    await waitFor(async () => {
      const left = await spoke.core.listNamespacedConfigMap({ namespace: space });
      return left.items.filter((c) => c.metadata?.name?.startsWith("cm-")).map((c) => c.metadata!.name).join(",") === "cm-0";
    }, { timeoutMs: 60_000, message: "only cm-0 left" });
    await deleteWork(hub, cluster, "crash");
    await waitWorkGone(hub, cluster, "crash");
    await waitFor(async () => (await readConfigMap(spoke, space, "cm-0")) === undefined, { message: "cm-0 deleted with the Work" });
  });

  it("owns cluster-scoped objects too: deleting the AppliedWork with the agent gone removes them all", async () => {
    const space = uniqueName("recovery");
    const role = uniqueName("recovery-role");
    await putWork(hub, cluster, "recovery", [
      { apiVersion: "v1", kind: "Namespace", metadata: { name: space } },
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: role }, rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get"] }] },
      configMap(space, "cm", { a: "1" }),
    ]);
    await waitForWorkCondition(hub.objects, cluster, "recovery", "Applied", "True");
    const aw = await appliedWorkFor(spoke, cluster, "recovery");
    const roleRef = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: role } };
    const nsRef = { apiVersion: "v1", kind: "Namespace", metadata: { name: space } };
    expect(appliedWorkOwners(await getOrUndefined(spoke.objects, roleRef))).toEqual([aw!.metadata.uid]);
    expect(appliedWorkOwners(await getOrUndefined(spoke.objects, nsRef))).toEqual([aw!.metadata.uid]);

    expect(await agent!.stop()).toBe(0);
    agent = undefined;
    await deleteIfExists(spoke.objects, { apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "AppliedWork", metadata: { name: aw!.metadata.name! } });
    await waitFor(async () => (await getOrUndefined(spoke.objects, roleRef)) === undefined, { timeoutMs: 60_000, message: "ClusterRole collected" });
    await waitFor(async () => (await getOrUndefined(spoke.objects, nsRef)) === undefined, { timeoutMs: 60_000, message: "Namespace collected" });
    await deleteWork(hub, cluster, "recovery");
    agent = await start();
    await waitWorkGone(hub, cluster, "recovery");
  });

  it("prunes an object applied under a version the server no longer serves", async () => {
    const group = `${uniqueName("ver")}.example.com`;
    const space = testSpace();
    const schema = { openAPIV3Schema: { type: "object", properties: { spec: { type: "object", properties: { size: { type: "integer" } } } } } };
    const crd = (v1Served: boolean) => ({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: `gadgets.${group}` },
      spec: {
        group,
        scope: "Namespaced",
        names: { plural: "gadgets", singular: "gadget", kind: "Gadget", listKind: "GadgetList" },
        versions: [
          { name: "v1", served: v1Served, storage: false, schema },
          { name: "v2", served: true, storage: true, schema },
        ],
      },
    });
    await spoke.core.createNamespace({ body: { metadata: { name: space } } });
    await spoke.objects.create(crd(true));
    await waitFor(async () => {
      const c = (await getOrUndefined(spoke.objects, crd(true))) as { status?: { conditions?: { type: string; status: string }[] } } | undefined;
      return c?.status?.conditions?.some((x) => x.type === "Established" && x.status === "True");
    }, { message: "CRD established" });
    await putWork(hub, cluster, "versions", [{ apiVersion: `${group}/v1`, kind: "Gadget", metadata: { name: "g", namespace: space }, spec: { size: 1 } }]);
    await waitForWorkCondition(hub.objects, cluster, "versions", "Applied", "True");

    const live = await spoke.objects.read({ apiVersion: `${group}/v2`, kind: "Gadget", metadata: { name: "g", namespace: space } });
    await spoke.objects.replace({ ...crd(false), metadata: { ...crd(false).metadata, resourceVersion: (await spoke.objects.read(crd(true))).metadata!.resourceVersion! } });
    await putWork(hub, cluster, "versions", [configMap(space, "instead", { a: "1" })]);
    await waitForWorkCondition(hub.objects, cluster, "versions", "Applied", "True");
    await waitFor(async () => (await getOrUndefined(spoke.objects, { apiVersion: `${group}/v2`, kind: "Gadget", metadata: { name: "g", namespace: space } })) === undefined, {
      timeoutMs: 30_000,
      message: `Gadget ${live.metadata?.uid} pruned through v2`,
    });
    await deleteWork(hub, cluster, "versions");
    await waitWorkGone(hub, cluster, "versions");
    await deleteIfExists(spoke.objects, crd(false));
    await spoke.core.deleteNamespace({ name: space });
  });
});

function testSpace(): string {
  return uniqueName("inv");
}
