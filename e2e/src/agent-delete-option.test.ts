/**
 * spec.deleteOption on real servers. Orphan and SelectivelyOrphan leave exactly the named objects on
 * the spoke: same uid, same values, and nothing of the Work left on them (no AppliedWork
 * ownerReference, label, record annotation or field manager of the Work). The garbage collector
 * leaves them too, when the Work is deleted and when an admin deletes the AppliedWork: a sentinel
 * owned by the deleted AppliedWork, collected, shows that the collector ran. The others are deleted.
 * The option applies to manifests removed from the Work and to an eviction (a Work gone without its
 * finalizer). A Namespace that holds an orphaned object stays. A shared object is released with its
 * values kept. Foreground is unchanged.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { PatchStrategy, type KubernetesObject } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppliedWork } from "@work-api/api";
import { clients, deleteIfExists, getOrUndefined, hubKubeconfig, spokeKubeconfig, statusCode, testNamespace, uniqueName, waitFor } from "./env.js";
import { REPO, mintAgentKubeconfig, startAgent, sumMetric, type AgentProcess } from "./agent-harness.js";
import { waitForWorkCondition, workObject } from "./work-helpers.js";
import { appliedWorkFor, appliedWorkOwners, configMap, deleteWork, putWork, readConfigMap, reconcileCount, touchWork, waitReconciles, waitWorkGone, writeCount, type ConfigMapObject } from "./contract-helpers.js";

const GRACE_S = 4;
const cluster = testNamespace("agent-delopt");
const ns = testNamespace("agent-delopt-spoke", { on: ["spoke1"] });
const hub = clients(hubKubeconfig());
const spoke = clients(spokeKubeconfig(1));
let agent: AgentProcess;

const HOLDS = "work.multicluster.x-k8s.io/holds-orphans";
const DELETE_OPTION = "work.multicluster.x-k8s.io/delete-option";

beforeAll(async () => {
  const creds = await mintAgentKubeconfig(hubKubeconfig(), cluster);
  agent = await startAgent({ hubKubeconfig: creds, spokeKubeconfig: spokeKubeconfig(1), clusterName: cluster, args: ["--eviction-grace-period", `${GRACE_S}s`] });
});

/** Namespaces the tests leave orphaned on the spoke (by design), removed at the end. */
const leftover: string[] = [];

afterAll(async () => {
  expect(await agent?.stop()).toBe(0);
  for (const name of leftover) await deleteIfExists(spoke.objects, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
});

const namespace = (name: string): object => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
const readNamespace = (name: string): Promise<ConfigMapObject | undefined> => getOrUndefined<ConfigMapObject & KubernetesObject>(spoke.objects, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
const metric = async (action: string): Promise<number> => sumMetric(await agent.metrics(), "work_agent_manifests_total", { action });

/** Creates (or updates) the Work, waits for Applied=True, and returns its AppliedWork and the objects' uids. */
async function applied(name: string, manifests: object[], deleteOption?: object): Promise<AppliedWork> {
  await putWork(hub, cluster, name, manifests, deleteOption ? { deleteOption } : {});
  await waitForWorkCondition(hub.objects, cluster, name, "Applied", "True");
  return waitFor(() => appliedWorkFor(spoke, cluster, name), { message: `AppliedWork of ${name}` });
}

async function deleteAndWait(name: string): Promise<void> {
  await deleteWork(hub, cluster, name);
  await waitWorkGone(hub, cluster, name);
}

/** The Work id: the suffix of its field managers and record annotation. */
const workIdOf = (aw: AppliedWork): string => aw.metadata.labels!["work.multicluster.x-k8s.io/work-id"]!;

/**
 * The garbage collector has processed the deleted AppliedWork: a sentinel owned by it (created after its
 * deletion) is collected. Objects still there afterwards were not its dependents.
 */
async function garbageCollected(aw: AppliedWork): Promise<void> {
  await waitFor(async () => (await appliedWorkFor(spoke, aw.spec.workNamespace, aw.spec.workName))?.metadata.uid !== aw.metadata.uid, { message: "the AppliedWork is deleted" });
  const sentinel = uniqueName("gc-sentinel");
  await spoke.core.createNamespacedConfigMap({
    namespace: ns,
    body: { metadata: { name: sentinel, ownerReferences: [{ apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "AppliedWork", name: aw.metadata.name!, uid: aw.metadata.uid! }] } },
  });
  await waitFor(async () => (await readConfigMap(spoke, ns, sentinel)) === undefined, { timeoutMs: 60_000, message: "the garbage collector removed the sentinel of the deleted AppliedWork" });
}

/** The object is as it was (uid, data), and nothing of the Work is left on it. */
function expectOrphaned(live: ConfigMapObject | undefined, uid: string | undefined, aw: AppliedWork, data?: Record<string, string>): void {
  expect(live, "the orphaned object").toBeDefined();
  const md = live!.metadata;
  expect(md.uid, `${md.name}: same uid`).toBe(uid);
  expect(md.deletionTimestamp, `${md.name}: not being deleted`).toBeUndefined();
  if (data) expect(live!.data).toEqual(data);
  expect(appliedWorkOwners(live), `${md.name}: no AppliedWork ownerReference`).toEqual([]);
  const id = workIdOf(aw);
  const managers = ((md as { managedFields?: { manager?: string }[] }).managedFields ?? []).map((f) => f.manager ?? "");
  expect(managers.filter((m) => m.endsWith(`-${id}`)), `${md.name}: no field manager of the Work`).toEqual([]);
  expect(Object.keys(md.labels ?? {}).filter((l) => l.startsWith("work.multicluster.x-k8s.io/agent-")), `${md.name}: no agent label`).toEqual([]);
  expect(Object.keys(md.annotations ?? {}).filter((a) => a.startsWith("work.multicluster.x-k8s.io/") && a !== HOLDS), `${md.name}: no annotation of the Work`).toEqual([]);
}

function kubectlWorkStatus(name: string, output: string[] = []): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [join(REPO, "hub/bin/kubectl-work.js"), "status", name, "-n", cluster, ...output, "--kubeconfig", hubKubeconfig()], { timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
  });
}

describe("spec.deleteOption", () => {
  it("Orphan: deleting the Work leaves every object, a Namespace and its content too, unchanged and no longer the Work's, also after the garbage collector ran", async () => {
    const spokeNs = uniqueName("orphan-ns");
    leftover.push(spokeNs);
    const [a, inNs] = [uniqueName("orphan-a"), uniqueName("orphan-in")];
    const aw = await applied("orphan-all", [namespace(spokeNs), configMap(ns, a, { k: "a" }), configMap(spokeNs, inNs, { k: "in" })], { propagationPolicy: "Orphan" });
    const uids = { a: (await readConfigMap(spoke, ns, a))!.metadata.uid, inNs: (await readConfigMap(spoke, spokeNs, inNs))!.metadata.uid, ns: (await readNamespace(spokeNs))!.metadata.uid };
    // As OCM: objects the option orphans never get the AppliedWork ownerReference.
    expect(appliedWorkOwners(await readConfigMap(spoke, ns, a))).toEqual([]);
    expect(appliedWorkOwners(await readNamespace(spokeNs))).toEqual([]);
    expect(JSON.parse(aw.metadata.annotations?.[DELETE_OPTION] ?? "null"), "the option recorded on the AppliedWork").toEqual({ propagationPolicy: "Orphan" });
    // Steady: a reconcile of the unchanged Work writes nothing to the spoke.
    const [writes, reconciles] = [await writeCount(agent, "spoke"), await reconcileCount(agent)];
    await touchWork(hub, cluster, "orphan-all");
    await waitReconciles(agent, reconciles, 1);
    expect(await writeCount(agent, "spoke"), "no spoke write at steady state").toBe(writes);
    const before = await metric("orphaned");
    await deleteAndWait("orphan-all");
    await garbageCollected(aw);
    expectOrphaned(await readConfigMap(spoke, ns, a), uids.a, aw, { k: "a" });
    expectOrphaned(await readConfigMap(spoke, spokeNs, inNs), uids.inNs, aw, { k: "in" });
    expectOrphaned(await readNamespace(spokeNs), uids.ns, aw);
    expect(await metric("orphaned"), "work_agent_manifests_total{action=orphaned} counts the finalize path").toBeGreaterThanOrEqual(before + 3);
  });

  it("Orphan: an admin deleting the AppliedWork lets the garbage collector leave the objects", async () => {
    const c = uniqueName("orphan-gc");
    const aw = await applied("orphan-gc", [configMap(ns, c, { k: "v" })], { propagationPolicy: "Orphan" });
    const uid = (await readConfigMap(spoke, ns, c))!.metadata.uid;
    await spoke.custom.deleteClusterCustomObject({ group: "multicluster.x-k8s.io", version: "v1alpha1", plural: "appliedworks", name: aw.metadata.name! });
    await garbageCollected(aw);
    // The agent makes a new AppliedWork and applies again: the object it finds is the same one.
    const next = await waitFor(async () => {
      const cur = await appliedWorkFor(spoke, cluster, "orphan-gc");
      return cur && cur.metadata.uid !== aw.metadata.uid && (cur.status?.appliedResources ?? []).some((r) => r.name === c && r.uid) ? cur : undefined;
    }, { message: "a new AppliedWork lists the object" });
    expect((await readConfigMap(spoke, ns, c))?.metadata.uid, "not deleted by the garbage collector").toBe(uid);
    expect(next.status!.appliedResources!.find((r) => r.name === c)!.uid).toBe(uid);
    await deleteAndWait("orphan-gc");
    expectOrphaned(await readConfigMap(spoke, ns, c), uid, next, { k: "v" });
  });

  it("SelectivelyOrphan: exactly the named objects stay; the others are deleted; a Namespace the rules do not name stays while it holds a named object, one that holds none is deleted", async () => {
    const [held, empty] = [uniqueName("sel-held"), uniqueName("sel-empty")];
    leftover.push(held);
    const [k1, d1, d2, k2, d3] = [uniqueName("sel-k1"), uniqueName("sel-d1"), uniqueName("sel-d2"), uniqueName("sel-k2"), uniqueName("sel-d3")];
    const deleteOption = {
      propagationPolicy: "SelectivelyOrphan",
      selectivelyOrphans: {
        orphaningRules: [
          { resource: "configmaps", namespace: held, name: k1 },
          { group: "", resource: "configmaps", namespace: ns, name: k2 },
          // Matched exactly: this names d3 in another namespace, not d3.
          { resource: "configmaps", namespace: "other", name: d3 },
        ],
      },
    };
    const aw = await applied("orphan-some", [namespace(held), namespace(empty), configMap(held, k1, { k: "v" }), configMap(held, d1, { k: "v" }), configMap(empty, d2, { k: "v" }), configMap(ns, k2, { k: "v" }), configMap(ns, d3, { k: "v" })], deleteOption);
    const text = await kubectlWorkStatus("orphan-some");
    expect(text).toMatch(/Delete option: +SelectivelyOrphan \(these stay on the spoke when the Work is deleted or they are removed from it: configmaps .*\)/);
    expect(JSON.parse(await kubectlWorkStatus("orphan-some", ["-o", "json"])).work.deleteOption).toEqual(deleteOption);
    const uid = async (n: string, name: string): Promise<string | undefined> => (await readConfigMap(spoke, n, name))?.metadata.uid;
    const uids = { k1: await uid(held, k1), k2: await uid(ns, k2), held: (await readNamespace(held))!.metadata.uid };
    // Owned by the AppliedWork: the objects the rules do not name (and no Namespace of a named one).
    expect(appliedWorkOwners(await readConfigMap(spoke, ns, d3))).toEqual([aw.metadata.uid]);
    expect(appliedWorkOwners(await readConfigMap(spoke, ns, k2))).toEqual([]);
    expect(appliedWorkOwners(await readNamespace(held))).toEqual([]);
    await deleteAndWait("orphan-some");
    await garbageCollected(aw);
    expectOrphaned(await readConfigMap(spoke, held, k1), uids.k1, aw, { k: "v" });
    expectOrphaned(await readConfigMap(spoke, ns, k2), uids.k2, aw, { k: "v" });
    const heldNs = await readNamespace(held);
    expectOrphaned(heldNs, uids.held, aw);
    expect(heldNs!.metadata.annotations?.[HOLDS], "the Namespace says why it stays").toBeDefined();
    expect(await readConfigMap(spoke, held, d1)).toBeUndefined();
    expect(await readConfigMap(spoke, ns, d3)).toBeUndefined();
    await waitFor(async () => {
      const e = await readNamespace(empty);
      return e === undefined || e.metadata?.deletionTimestamp !== undefined;
    }, { message: "the Namespace that holds no named object is deleted" });
  });

  it("SelectivelyOrphan on manifests removed from the Work: the named one stays, no longer listed; the other is deleted; its Namespace stays later under Foreground", async () => {
    const spokeNs = uniqueName("rm-ns");
    leftover.push(spokeNs);
    const [stay, kept, dropped] = [uniqueName("rm-stay"), uniqueName("rm-kept"), uniqueName("rm-dropped")];
    const aw = await applied("orphan-removed", [namespace(spokeNs), configMap(spokeNs, stay, { k: "v" }), configMap(spokeNs, kept, { k: "v" }), configMap(spokeNs, dropped, { k: "v" })], {
      propagationPolicy: "SelectivelyOrphan",
      selectivelyOrphans: { orphaningRules: [{ resource: "configmaps", namespace: spokeNs, name: kept }] },
    });
    const uids = { stay: (await readConfigMap(spoke, spokeNs, stay))!.metadata.uid, kept: (await readConfigMap(spoke, spokeNs, kept))!.metadata.uid, ns: (await readNamespace(spokeNs))!.metadata.uid };
    await putWork(hub, cluster, "orphan-removed", [namespace(spokeNs), configMap(spokeNs, stay, { k: "v" })]);
    await waitFor(async () => {
      const a = await appliedWorkFor(spoke, cluster, "orphan-removed");
      return (a?.status?.appliedResources ?? []).length === 2 ? a : undefined;
    }, { message: "the removed manifests are no longer in the AppliedWork" });
    await waitFor(async () => (await readConfigMap(spoke, spokeNs, dropped)) === undefined, { message: "the unnamed removed manifest is deleted" });
    expectOrphaned(await readConfigMap(spoke, spokeNs, kept), uids.kept, aw, { k: "v" });
    const s = (await readConfigMap(spoke, spokeNs, stay))!;
    expect(s.metadata.uid).toBe(uids.stay);
    expect(appliedWorkOwners(s), "the rest stays applied and owned").toEqual([aw.metadata.uid]);
    expect((await readNamespace(spokeNs))!.metadata.annotations?.[HOLDS], "the Namespace of the orphaned object is marked").toBeDefined();
    // The option changes to Foreground, then the Work goes: its own objects go, the Namespace holding the orphan stays.
    await applied("orphan-removed", [namespace(spokeNs), configMap(spokeNs, stay, { k: "v" })], { propagationPolicy: "Foreground" });
    await deleteAndWait("orphan-removed");
    expect(await readConfigMap(spoke, spokeNs, stay)).toBeUndefined();
    expect((await readNamespace(spokeNs))?.metadata?.uid).toBe(uids.ns);
    expect((await readNamespace(spokeNs))?.metadata?.deletionTimestamp).toBeUndefined();
    expectOrphaned(await readConfigMap(spoke, spokeNs, kept), uids.kept, aw, { k: "v" });
  });

  it("changing the option strips the AppliedWork ownerReference from the objects it orphans, and puts it back when it no longer does (same object)", async () => {
    const c = uniqueName("switch");
    const aw = await applied("switch", [configMap(ns, c, { k: "v" })]);
    const uid = (await readConfigMap(spoke, ns, c))!.metadata.uid;
    expect(appliedWorkOwners(await readConfigMap(spoke, ns, c))).toEqual([aw.metadata.uid]);
    await putWork(hub, cluster, "switch", [configMap(ns, c, { k: "v" })], { deleteOption: { propagationPolicy: "SelectivelyOrphan", selectivelyOrphans: { orphaningRules: [{ resource: "configmaps", namespace: ns, name: c }] } } });
    await waitFor(async () => appliedWorkOwners(await readConfigMap(spoke, ns, c)).length === 0, { message: "the ownerReference is stripped" });
    expect((await appliedWorkFor(spoke, cluster, "switch"))?.metadata.annotations?.[DELETE_OPTION]).toContain("SelectivelyOrphan");
    await putWork(hub, cluster, "switch", [configMap(ns, c, { k: "v" })], { deleteOption: { propagationPolicy: "Foreground" } });
    await waitFor(async () => appliedWorkOwners(await readConfigMap(spoke, ns, c))[0] === aw.metadata.uid, { message: "the ownerReference is back" });
    expect((await readConfigMap(spoke, ns, c))!.metadata.uid).toBe(uid);
    expect((await appliedWorkFor(spoke, cluster, "switch"))?.metadata.annotations?.[DELETE_OPTION]).toBeUndefined();
    await deleteAndWait("switch");
    expect(await readConfigMap(spoke, ns, c)).toBeUndefined();
  });

  it("a shared object is released with its values kept, not orphaned: the other Work still owns it, and deletes it later", async () => {
    const c = uniqueName("shared");
    await applied("share-b", [configMap(ns, c, { b: "2", shared: "x" })]);
    const awA = await applied("share-a", [configMap(ns, c, { a: "1", shared: "x" })], { propagationPolicy: "Orphan" });
    const awB = (await appliedWorkFor(spoke, cluster, "share-b"))!;
    const uid = (await readConfigMap(spoke, ns, c))!.metadata.uid;
    const released = await metric("released");
    await deleteAndWait("share-a");
    const live = (await readConfigMap(spoke, ns, c))!;
    expect(live.metadata.uid).toBe(uid);
    expect(live.data, "values kept, the one only the deleted Work set too").toEqual({ a: "1", b: "2", shared: "x" });
    expect(appliedWorkOwners(live)).toEqual([awB.metadata.uid]);
    const managers = ((live.metadata as { managedFields?: { manager?: string }[] }).managedFields ?? []).map((f) => f.manager ?? "");
    expect(managers.filter((m) => m.endsWith(`-${workIdOf(awA)}`))).toEqual([]);
    expect(managers.some((m) => m.endsWith(`-${workIdOf(awB)}`))).toBe(true);
    expect(await metric("released")).toBeGreaterThanOrEqual(released + 1);
    await deleteAndWait("share-b");
    expect(await readConfigMap(spoke, ns, c), "the last owner (Foreground) deletes it").toBeUndefined();
  });

  it("eviction (a Work gone without its finalizer) honours the deleteOption recorded on the AppliedWork", async () => {
    const [keep, drop] = [uniqueName("evict-keep"), uniqueName("evict-drop")];
    const aw = await applied("orphan-evict", [configMap(ns, keep, { k: "v" }), configMap(ns, drop, { k: "v" })], {
      propagationPolicy: "SelectivelyOrphan",
      selectivelyOrphans: { orphaningRules: [{ resource: "configmaps", namespace: ns, name: keep }] },
    });
    const uid = (await readConfigMap(spoke, ns, keep))!.metadata.uid;
    // Paused, so it cannot add its finalizer back between the two requests.
    agent.proc.kill("SIGSTOP");
    try {
      await hub.objects.patch({ apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "Work", metadata: { name: "orphan-evict", namespace: cluster, finalizers: [] } }, undefined, undefined, "e2e", undefined, PatchStrategy.MergePatch);
      await deleteWork(hub, cluster, "orphan-evict");
      await waitWorkGone(hub, cluster, "orphan-evict");
    } finally {
      agent.proc.kill("SIGCONT");
    }
    await waitFor(async () => (await appliedWorkFor(spoke, cluster, "orphan-evict")) === undefined, { timeoutMs: 60_000, message: "evicted after the grace period" });
    await garbageCollected(aw);
    expect(await readConfigMap(spoke, ns, drop)).toBeUndefined();
    expectOrphaned(await readConfigMap(spoke, ns, keep), uid, aw, { k: "v" });
  });

  it("examples/orphan-work.yaml does what it says: db-schema stays, db-migrate-job goes", async () => {
    const example = parseYaml(readFileSync(join(REPO, "examples/orphan-work.yaml"), "utf8")) as { metadata: { name: string }; spec: { deleteOption: object; workload: { manifests: object[] } } };
    const name = example.metadata.name;
    const aw = await applied(name, example.spec.workload.manifests, example.spec.deleteOption);
    const uid = (await readConfigMap(spoke, "default", "db-schema"))!.metadata.uid;
    expect(await readConfigMap(spoke, "default", "db-migrate-job")).toBeDefined();
    await deleteAndWait(name);
    expect(await readConfigMap(spoke, "default", "db-migrate-job")).toBeUndefined();
    expectOrphaned(await readConfigMap(spoke, "default", "db-schema"), uid, aw, { version: "42" });
    await spoke.core.deleteNamespacedConfigMap({ name: "db-schema", namespace: "default" });
  });

  it("Foreground (the default) deletes as before; the CRD refuses options that do not fit", async () => {
    const c = uniqueName("fg");
    const aw = await applied("foreground", [configMap(ns, c, { k: "v" })], { propagationPolicy: "Foreground" });
    expect(appliedWorkOwners(await readConfigMap(spoke, ns, c))).toEqual([aw.metadata.uid]);
    expect(aw.metadata.annotations?.[DELETE_OPTION]).toBeUndefined();
    await deleteAndWait("foreground");
    expect(await readConfigMap(spoke, ns, c)).toBeUndefined();
    const refused = async (deleteOption: object): Promise<string> => {
      const w = workObject(cluster, uniqueName("bad"), [configMap(ns, "x", {})]);
      try {
        await hub.objects.create({ ...w, spec: { ...w.spec, deleteOption } });
      } catch (err) {
        expect(statusCode(err)).toBe(422);
        const body = (err as { body?: unknown }).body;
        return typeof body === "string" ? body : JSON.stringify(body ?? (err as Error).message);
      }
      throw new Error("created");
    };
    expect(await refused({ propagationPolicy: "SelectivelyOrphan" })).toContain("selectivelyOrphans is required when propagationPolicy is SelectivelyOrphan");
    expect(await refused({ propagationPolicy: "SelectivelyOrphan", selectivelyOrphans: { orphaningRules: [] } })).toMatch(/orphaningRules.*(at least 1|should have at least)/);
    expect(await refused({ propagationPolicy: "Orphan", selectivelyOrphans: { orphaningRules: [{ resource: "configmaps", name: "a" }] } })).toContain("selectivelyOrphans is only allowed when propagationPolicy is SelectivelyOrphan");
    expect(await refused({ propagationPolicy: "SelectivelyOrphan", selectivelyOrphans: { orphaningRules: [{ resource: "ConfigMaps", name: "a" }] } })).toContain("should match");
    expect(await refused({ propagationPolicy: "Delete" })).toContain("Unsupported value");
  });
});

describe("deleteOption beside update strategies", () => {
  const cfg = (name: string, type: string): object => ({ resourceIdentifier: { resource: "configmaps", namespace: ns, name }, updateStrategy: { type } });

  it("an object applied, then switched to ReadOnly, stays when the Work is deleted: this Work's owner reference is removed first, so the garbage collector leaves it", async () => {
    const name = uniqueName("switched");
    const aw = await applied("switch-ro", [configMap(ns, name, { k: "v" })]);
    const uid = (await readConfigMap(spoke, ns, name))!.metadata.uid;
    expect(appliedWorkOwners(await readConfigMap(spoke, ns, name))).toEqual([aw.metadata.uid]);
    await putWork(hub, cluster, "switch-ro", [configMap(ns, name, { k: "v" })], { manifestConfigs: [cfg(name, "ReadOnly")] });
    await waitFor(async () => (await appliedWorkFor(spoke, cluster, "switch-ro"))?.metadata.annotations?.["work.multicluster.x-k8s.io/read-only"] !== undefined, { message: "read-only recorded" });
    await deleteAndWait("switch-ro");
    await garbageCollected(aw);
    expectOrphaned(await readConfigMap(spoke, ns, name), uid, aw, { k: "v" });
  });

  it("a CreateOnly object created under Orphan (no owner reference) is deleted, not emptied, once the option is back to Foreground", async () => {
    const name = uniqueName("co-orphan");
    const manifests = [configMap(ns, name, { k: "v", other: "x" })];
    await applied("co-orphan", manifests, { propagationPolicy: "Orphan" });
    await putWork(hub, cluster, "co-orphan", manifests, { manifestConfigs: [cfg(name, "CreateOnly")], deleteOption: { propagationPolicy: "Orphan" } });
    await waitForWorkCondition(hub.objects, cluster, "co-orphan", "Applied", "True");
    expect(appliedWorkOwners(await readConfigMap(spoke, ns, name))).toEqual([]);
    await putWork(hub, cluster, "co-orphan", manifests, { manifestConfigs: [cfg(name, "CreateOnly")], deleteOption: { propagationPolicy: "Foreground" } });
    await waitFor(async () => (await appliedWorkFor(spoke, cluster, "co-orphan"))?.metadata.annotations?.[DELETE_OPTION] === undefined, { message: "Foreground recorded" });
    // CreateOnly writes nothing more: the object still has no owner reference.
    expect(appliedWorkOwners(await readConfigMap(spoke, ns, name))).toEqual([]);
    await deleteAndWait("co-orphan");
    await waitFor(async () => (await readConfigMap(spoke, ns, name)) === undefined, { timeoutMs: 30_000, message: "the CreateOnly object deleted (an empty release would leave it without its data)" });
  });
});
