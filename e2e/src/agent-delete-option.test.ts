/**
 * spec.deleteOption on real servers: Orphan and SelectivelyOrphan leave exactly the named objects
 * on the spoke (same uid, same values), no longer the Work's (no AppliedWork ownerReference, no
 * field manager of the Work, no agent label), also through the garbage collector; the others are
 * deleted. It applies to the Work's deletion and to manifests removed from the Work. The CRD
 * refuses a SelectivelyOrphan without rules.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubernetesObject, V1ConfigMap } from "@kubernetes/client-node";
import type { AppliedWork } from "@work-api/api";
import { clients, hubKubeconfig, isNotFound, spokeKubeconfig, statusCode, testNamespace, uniqueName, waitFor } from "./env.js";
import { mintAgentKubeconfig, startAgent, type AgentProcess } from "./agent-harness.js";
import { readWork, waitForWorkCondition, workObject } from "./work-helpers.js";

const cluster = testNamespace("agent-delopt");
const hub = clients(hubKubeconfig());
const spoke = clients(spokeKubeconfig(1));
let agent: AgentProcess;

beforeAll(async () => {
  const creds = await mintAgentKubeconfig(hubKubeconfig(), cluster);
  agent = await startAgent({ hubKubeconfig: creds, spokeKubeconfig: spokeKubeconfig(1), clusterName: cluster });
});

afterAll(async () => {
  expect(await agent?.stop()).toBe(0);
});

const cm = (name: string, value = "v"): object => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" }, data: { k: value } });

async function readCm(name: string): Promise<V1ConfigMap | undefined> {
  try {
    return await spoke.core.readNamespacedConfigMap({ name, namespace: "default" });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

async function appliedWorkOf(work: string): Promise<AppliedWork> {
  const res = (await spoke.custom.listClusterCustomObject({ group: "multicluster.x-k8s.io", version: "v1alpha1", plural: "appliedworks" })) as { items: AppliedWork[] };
  const aw = res.items.find((a) => a.spec.workName === work && a.spec.workNamespace === cluster);
  expect(aw, `AppliedWork of ${work}`).toBeDefined();
  return aw!;
}

/** Applies a Work and returns its AppliedWork and each ConfigMap's uid and field managers. */
async function applied(name: string, cms: string[], deleteOption?: object): Promise<{ aw: AppliedWork; uids: Map<string, string>; managers: Map<string, string[]> }> {
  await hub.objects.create({ ...workObject(cluster, name, cms.map((c) => cm(c))), spec: { workload: { manifests: cms.map((c) => cm(c)) }, ...(deleteOption ? { deleteOption } : {}) } } as unknown as KubernetesObject);
  await waitForWorkCondition(hub.objects, cluster, name, "Applied", "True");
  const uids = new Map<string, string>();
  const managers = new Map<string, string[]>();
  for (const c of cms) {
    const live = (await readCm(c))!;
    uids.set(c, live.metadata!.uid!);
    managers.set(c, (live.metadata!.managedFields ?? []).map((f) => f.manager!));
  }
  return { aw: await appliedWorkOf(name), uids, managers };
}

async function deleteWork(name: string): Promise<void> {
  await hub.objects.delete({ apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "Work", metadata: { name, namespace: cluster } });
  await waitFor(async () => (await readWork(hub.objects, cluster, name)) === undefined, { message: `Work ${name} finalized and gone` });
}

/**
 * The garbage collector has processed the deleted AppliedWork: a sentinel owned by it (created after
 * its deletion) is collected. Objects still there afterwards were not its dependents.
 */
async function garbageCollected(aw: AppliedWork): Promise<void> {
  const sentinel = uniqueName("gc-sentinel");
  await spoke.core.createNamespacedConfigMap({
    namespace: "default",
    body: { metadata: { name: sentinel, ownerReferences: [{ apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "AppliedWork", name: aw.metadata.name!, uid: aw.metadata.uid! }] } },
  });
  await waitFor(async () => (await readCm(sentinel)) === undefined, { timeoutMs: 60_000, message: "the garbage collector removed the sentinel of the deleted AppliedWork" });
}

/** The object stays as it was (uid, data), and nothing of the Work is left on it. */
function expectOrphaned(live: V1ConfigMap | undefined, uid: string, workManagers: string[], aw: AppliedWork): void {
  expect(live, "the orphaned ConfigMap").toBeDefined();
  expect(live!.metadata!.uid).toBe(uid);
  expect(live!.data).toEqual({ k: "v" });
  expect((live!.metadata!.ownerReferences ?? []).filter((o) => o.uid === aw.metadata.uid)).toEqual([]);
  const now = (live!.metadata!.managedFields ?? []).map((f) => f.manager);
  for (const m of workManagers) expect(now, `field manager ${m} of the Work`).not.toContain(m);
  expect(Object.keys(live!.metadata!.labels ?? {}).filter((l) => l.startsWith("work.multicluster.x-k8s.io/agent-"))).toEqual([]);
  expect(Object.keys(live!.metadata!.annotations ?? {}).filter((a) => a.startsWith("work.multicluster.x-k8s.io/"))).toEqual([]);
}

describe("spec.deleteOption", () => {
  it("Orphan: deleting the Work leaves every object, unchanged and no longer owned, also after the garbage collector ran", async () => {
    const [a, b] = [uniqueName("orphan-a"), uniqueName("orphan-b")];
    const { aw, uids, managers } = await applied("orphan-all", [a, b], { propagationPolicy: "Orphan" });
    expect(managers.get(a)!.length).toBeGreaterThan(0);
    await deleteWork("orphan-all");
    await garbageCollected(aw);
    for (const c of [a, b]) expectOrphaned(await readCm(c), uids.get(c)!, managers.get(c)!, aw);
    const gone = await spoke.custom.getClusterCustomObject({ group: "multicluster.x-k8s.io", version: "v1alpha1", plural: "appliedworks", name: aw.metadata.name! }).then(() => false, (e: unknown) => isNotFound(e));
    expect(gone, "the AppliedWork is deleted").toBe(true);
  });

  it("SelectivelyOrphan: exactly the objects of the rules stay; the others are deleted", async () => {
    const [keep, drop1, drop2] = [uniqueName("sel-keep"), uniqueName("sel-drop"), uniqueName("sel-drop")];
    const { aw, uids, managers } = await applied("orphan-some", [keep, drop1, drop2], {
      propagationPolicy: "SelectivelyOrphan",
      selectivelyOrphans: { orphaningRules: [{ group: "", resource: "configmaps", namespace: "default", name: keep }, { resource: "configmaps", namespace: "other", name: drop1 }] },
    });
    await deleteWork("orphan-some");
    await garbageCollected(aw);
    expectOrphaned(await readCm(keep), uids.get(keep)!, managers.get(keep)!, aw);
    expect(await readCm(drop1), "not named by a rule (the rule names another namespace)").toBeUndefined();
    expect(await readCm(drop2)).toBeUndefined();
  });

  it("Orphan applies to a manifest removed from the Work: it stays, no longer listed or owned; the rest stays applied", async () => {
    const [stay, removed] = [uniqueName("rm-stay"), uniqueName("rm-removed")];
    const { aw, uids, managers } = await applied("orphan-removed", [stay, removed], { propagationPolicy: "Orphan" });
    const work = (await readWork(hub.objects, cluster, "orphan-removed"))!;
    await hub.objects.replace({ ...work, spec: { ...work.spec, workload: { manifests: [cm(stay)] } } } as unknown as KubernetesObject);
    await waitFor(async () => {
      const a = await appliedWorkOf("orphan-removed");
      return (a.status?.appliedResources ?? []).every((r) => r.name !== removed) ? a : undefined;
    }, { message: "the removed manifest is no longer in the AppliedWork" });
    await waitFor(async () => ((await readCm(removed))?.metadata?.ownerReferences ?? []).every((o) => o.uid !== aw.metadata.uid), { message: "the removed ConfigMap is orphaned" });
    expectOrphaned(await readCm(removed), uids.get(removed)!, managers.get(removed)!, aw);
    const kept = (await readCm(stay))!;
    expect(kept.metadata!.uid).toBe(uids.get(stay));
    expect((kept.metadata!.ownerReferences ?? []).some((o) => o.uid === aw.metadata.uid)).toBe(true);
    await deleteWork("orphan-removed");
  });

  it("Foreground (the default) still deletes, and the CRD refuses SelectivelyOrphan without rules (and rules without it)", async () => {
    const c = uniqueName("fg");
    await applied("foreground", [c], { propagationPolicy: "Foreground" });
    await deleteWork("foreground");
    await waitFor(async () => (await readCm(c)) === undefined, { message: "Foreground deletes" });
    const refused = async (deleteOption: object): Promise<string> => {
      try {
        await hub.objects.create({ ...workObject(cluster, uniqueName("bad"), [cm("x")]), spec: { workload: { manifests: [cm("x")] }, deleteOption } } as unknown as KubernetesObject);
      } catch (err) {
        expect(statusCode(err)).toBe(422);
        const body = (err as { body?: unknown }).body;
        return typeof body === "string" ? body : JSON.stringify(body ?? (err as Error).message);
      }
      throw new Error("created");
    };
    expect(await refused({ propagationPolicy: "SelectivelyOrphan" })).toContain("selectivelyOrphans is required when propagationPolicy is SelectivelyOrphan");
    expect(await refused({ propagationPolicy: "Orphan", selectivelyOrphans: { orphaningRules: [] } })).toContain("selectivelyOrphans is only allowed when propagationPolicy is SelectivelyOrphan");
    expect(await refused({ propagationPolicy: "Delete" })).toContain("Unsupported value");
  });
});
