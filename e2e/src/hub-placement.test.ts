/**
 * WorkPlacement fan-out on the real hub of the shared plane, with real agents
 * on the spokes where the test needs Works applied: selection by labels and
 * by PlacementDecisions, updates and deletions as selection and template
 * change, the status summary, rollout limited by maxConcurrency, cleanup on
 * delete, and the CRD's validation rules.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AppliedWorkResource,
  CLUSTER_MANAGER_LABEL,
  ClusterProfileResource,
  DECISION_KEY_LABEL,
  PLACEMENT_NAME_LABEL,
  PlacementDecisionResource,
  TEMPLATE_HASH_ANNOTATION,
  WorkPlacementResource,
  WorkResource,
  findCondition,
  type AppliedWork,
  type ClusterProfile,
  type KubeObject,
  type Work,
  type WorkPlacement,
} from "@work-api/api";
import { startHub, type RunningHub } from "@work-api/hub";
import { KubeClient, createLogger, isInvalid, isNotFound, noopLogger } from "@work-api/runtime";
import { hubKubeconfig, spokeKubeconfig, testNamespace, uniqueName, waitFor } from "./env.js";
import { startMintedAgent, type AgentProcess } from "./agent-harness.js";

const Namespaces = { group: "", version: "v1", resource: "namespaces", kind: "Namespace", namespaced: false } as const;
const ConfigMaps = { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: true } as const;

const inv = testNamespace("hplace-fleet");
const admin = KubeClient.fromFile(hubKubeconfig());
const spokes = { 1: KubeClient.fromFile(spokeKubeconfig(1)), 2: KubeClient.fromFile(spokeKubeconfig(2)) } as const;
const agents = new Map<string, AgentProcess>();
let hub: RunningHub;

async function get<T = KubeObject>(r: Parameters<KubeClient["get"]>[0], name: string, namespace?: string, client = admin): Promise<T | undefined> {
  try {
    return (await client.get(r, name, namespace ? { namespace } : {})) as T;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

async function createProfile(name: string, labels: Record<string, string>): Promise<void> {
  await admin.create(ClusterProfileResource, {
    apiVersion: "multicluster.x-k8s.io/v1alpha1",
    kind: "ClusterProfile",
    metadata: { name, namespace: inv, labels: { [CLUSTER_MANAGER_LABEL]: "work-api", ...labels } },
    spec: { clusterManager: { name: "work-api" } },
  });
  await waitFor(() => get(Namespaces, name), { message: `hub namespace ${name}` });
}

async function relabel(name: string, labels: Record<string, string>): Promise<void> {
  const p = (await get<ClusterProfile>(ClusterProfileResource, name, inv))!;
  await admin.update(ClusterProfileResource, { ...p, metadata: { ...p.metadata, labels: { [CLUSTER_MANAGER_LABEL]: "work-api", ...labels } } });
}

/** Starts a real agent for a cluster with its minted credentials; stopped in afterAll. */
async function startAgent(cluster: string, spoke: 1 | 2): Promise<void> {
  agents.set(cluster, await startMintedAgent(hubKubeconfig(), cluster, spokeKubeconfig(spoke), ["--lease-duration", "4s"]));
}

function agentLog(cluster: string): string {
  return (agents.get(cluster)?.output() ?? "").split("\n").slice(-15).join("\n");
}

function placement(name: string, spec: Partial<WorkPlacement["spec"]>, cm = `${name}-cm`, data: Record<string, string> = { color: "blue" }): WorkPlacement {
  return {
    apiVersion: "multicluster.x-k8s.io/v1alpha1",
    kind: "WorkPlacement",
    metadata: { name, namespace: inv },
    spec: {
      workTemplate: {
        metadata: { labels: { app: name } },
        spec: { workload: { manifests: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: cm, namespace: "default" }, data }] } },
      },
      ...spec,
    },
  };
}

async function status(name: string): Promise<WorkPlacement["status"]> {
  return (await get<WorkPlacement>(WorkPlacementResource, name, inv))?.status;
}

/** Works of a placement, by cluster namespace. */
async function worksOf(name: string): Promise<string[]> {
  const list = await admin.list<Work & KubeObject>(WorkResource, { labelSelector: `${PLACEMENT_NAME_LABEL}=${name}` });
  return list.items.filter((w) => !w.metadata.deletionTimestamp).map((w) => w.metadata.namespace!).sort();
}

async function rejected(p: WorkPlacement): Promise<string> {
  try {
    await admin.create(WorkPlacementResource, p as unknown as KubeObject, { dryRun: true });
  } catch (err) {
    if (isInvalid(err)) return (err as Error).message;
    throw err;
  }
  return "accepted";
}

beforeAll(async () => {
  hub = await startHub({
    // E2E_HUB_LOG_LEVEL=debug shows the hub's log on stderr.
    logger: process.env.E2E_HUB_LOG_LEVEL ? createLogger({ level: process.env.E2E_HUB_LOG_LEVEL as "debug", pretty: true }) : noopLogger,
    kubeconfig: hubKubeconfig(),
    inventoryNamespace: inv,
    leaderElect: false,
    healthAddr: "0",
    metricsAddr: "0",
  });
});

afterAll(async () => {
  for (const p of (await admin.list(WorkPlacementResource, { namespace: inv }).catch(() => ({ items: [] }))).items) {
    await admin.delete(WorkPlacementResource, p.metadata!.name!, { namespace: inv }).catch(() => undefined);
  }
  await waitFor(async () => (await admin.list(WorkPlacementResource, { namespace: inv })).items.length === 0, { timeoutMs: 30_000 }).catch(() => undefined);
  for (const p of (await admin.list(ClusterProfileResource, { namespace: inv }).catch(() => ({ items: [] }))).items) {
    await admin.delete(ClusterProfileResource, p.metadata!.name!, { namespace: inv }).catch(() => undefined);
  }
  await waitFor(async () => (await admin.list(ClusterProfileResource, { namespace: inv })).items.length === 0, { timeoutMs: 60_000 }).catch(() => undefined);
  for (const a of agents.values()) await a.stop();
  await hub?.stop();
  for (const n of [1, 2] as const) {
    const aws = await spokes[n].list<AppliedWork & KubeObject>(AppliedWorkResource).catch(() => ({ items: [] as (AppliedWork & KubeObject)[] }));
    for (const aw of aws.items) if (aw.spec?.workNamespace?.startsWith("hplace-")) await spokes[n].delete(AppliedWorkResource, aw.metadata.name!).catch(() => undefined);
  }
  for (const c of [admin, spokes[1], spokes[2]]) c.close();
});

describe("WorkPlacement", () => {
  it("rejects specs that do not say exactly how to select clusters", async () => {
    expect(await rejected(placement("bad", {}))).toContain("exactly one of clusterSelector and placementDecisionRef");
    expect(await rejected(placement("bad", { clusterSelector: {}, placementDecisionRef: { name: "d" } }))).toContain("exactly one of clusterSelector and placementDecisionRef");
    expect(await rejected(placement("bad", { placementDecisionRef: { name: "d", decisionKey: "k" } }))).toContain("exactly one of name and decisionKey");
    expect(await rejected(placement("bad", { clusterSelector: {}, maxConcurrency: 0 }))).toContain("maxConcurrency");
    expect(await rejected(placement("ok", { clusterSelector: {} }))).toBe("accepted");
  });

  it("fans a template out to the clusters its selector picks, follows label and template changes, and reports status", async () => {
    const [a, b, c] = [uniqueName("hplace-a"), uniqueName("hplace-b"), uniqueName("hplace-c")];
    const cm = uniqueName("hplace-cm");
    await createProfile(a, { env: "prod" });
    await createProfile(b, { env: "prod" });
    await createProfile(c, { env: "dev" });
    await startAgent(a, 1);
    await startAgent(b, 2);
    const name = uniqueName("hplace-web");
    await admin.create(WorkPlacementResource, placement(name, { clusterSelector: { matchLabels: { env: "prod" } } }, cm) as unknown as KubeObject);

    await waitFor(async () => (await worksOf(name)).join() === [a, b].sort().join(), { message: "Works in the prod clusters" });
    const cm1 = await waitFor(() => get<{ data?: Record<string, string> }>(ConfigMaps, cm, "default", spokes[1]), { message: `ConfigMap on spoke1 (${agentLog(a)})` });
    expect(cm1.data).toEqual({ color: "blue" });
    await waitFor(() => get(ConfigMaps, cm, "default", spokes[2]), { message: `ConfigMap on spoke2 (${agentLog(b)})` });
    const s1 = await waitFor(async () => {
      const s = await status(name);
      return s?.availableClusters === 2 ? s : undefined;
    }, { message: "two clusters available" });
    expect(s1).toMatchObject({ selectedClusters: 2, appliedClusters: 2, failedClusters: 0, pendingClusters: 0 });
    expect(findCondition(s1?.conditions, "Available")?.status).toBe("True");
    expect(findCondition(s1?.conditions, "Progressing")).toMatchObject({ status: "False", reason: "RolloutComplete" });
    const w = (await get<Work>(WorkResource, name, a))!;
    expect(w.metadata.labels).toMatchObject({ app: name, [PLACEMENT_NAME_LABEL]: name });

    // c joins the selection (no agent there: its Work stays in progress); b leaves it.
    await relabel(c, { env: "prod" });
    await relabel(b, { env: "dev" });
    await waitFor(async () => (await worksOf(name)).join() === [a, c].sort().join(), { message: "Works follow the labels" });
    await waitFor(async () => (await get(ConfigMaps, cm, "default", spokes[2])) === undefined, { message: "agent of b removes the ConfigMap" });
    const s2 = await waitFor(async () => {
      const s = await status(name);
      return s?.selectedClusters === 2 && s.availableClusters === 1 ? s : undefined;
    });
    expect(findCondition(s2?.conditions, "Progressing")).toMatchObject({ status: "True", reason: "RollingOut" });

    // A template change updates every Work; a manifest that cannot be applied fails the cluster, by name.
    const p = (await get<WorkPlacement>(WorkPlacementResource, name, inv))!;
    const hashBefore = w.metadata.annotations?.[TEMPLATE_HASH_ANNOTATION];
    p.spec.workTemplate.spec.workload!.manifests = [
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: cm, namespace: "default" }, data: { color: "red" } },
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: cm, namespace: uniqueName("hplace-missing-ns") }, data: {} },
    ];
    await admin.update(WorkPlacementResource, p as unknown as KubeObject);
    await waitFor(async () => (await get<{ data?: Record<string, string> }>(ConfigMaps, cm, "default", spokes[1]))?.data?.color === "red", { message: "spoke1 gets the new template" });
    expect((await get<Work>(WorkResource, name, a))?.metadata.annotations?.[TEMPLATE_HASH_ANNOTATION]).not.toBe(hashBefore);
    const s3 = await waitFor(async () => {
      const s = await status(name);
      return s?.failures?.some((f) => f.clusterName === a) ? s : undefined;
    }, { timeoutMs: 45_000, message: `cluster a reported failed (${agentLog(a)})` });
    expect(s3?.failedClusters).toBe(1);
    expect(findCondition(s3?.conditions, "Degraded")).toMatchObject({ status: "True", message: expect.stringContaining(a) });

    // Deleting the placement deletes its Works; the agent removes what they applied.
    await admin.delete(WorkPlacementResource, name, { namespace: inv });
    await waitFor(async () => (await worksOf(name)).length === 0, { message: "Works deleted" });
    await waitFor(async () => (await get(ConfigMaps, cm, "default", spokes[1])) === undefined, { message: "spoke1 cleaned" });
    await waitFor(async () => (await get(WorkPlacementResource, name, inv)) === undefined);
  });

  it("follows PlacementDecisions by decision key and names clusters it cannot place to", async () => {
    const [a, b] = [uniqueName("hplace-da"), uniqueName("hplace-db")];
    await createProfile(a, {});
    await createProfile(b, {});
    const key = uniqueName("hplace-key");
    const slice = (n: number, clusters: string[]): KubeObject => ({
      apiVersion: "multicluster.x-k8s.io/v1alpha1",
      kind: "PlacementDecision",
      metadata: { name: `${key}-${n}`, namespace: inv, labels: { [DECISION_KEY_LABEL]: key } },
      decisions: clusters.map((c) => ({ clusterProfileRef: { name: c }, reason: "test" })),
    });
    await admin.create(PlacementDecisionResource, slice(0, [a]));
    await admin.create(PlacementDecisionResource, slice(1, ["no-such-cluster"]));
    const name = uniqueName("hplace-dec");
    await admin.create(WorkPlacementResource, placement(name, { placementDecisionRef: { decisionKey: key } }) as unknown as KubeObject);
    await waitFor(async () => (await worksOf(name)).join() === a, { message: "Work in the decided cluster" });
    const s = await waitFor(async () => {
      const x = await status(name);
      return x?.failures?.length ? x : undefined;
    });
    expect(s?.failures).toEqual([expect.objectContaining({ clusterName: "no-such-cluster", reason: "ClusterProfileNotFound" })]);
    expect(s?.selectedClusters).toBe(2);

    const d1 = (await get<KubeObject>(PlacementDecisionResource, `${key}-1`, inv))!;
    await admin.update(PlacementDecisionResource, { ...d1, decisions: [{ clusterProfileRef: { name: b }, reason: "moved" }] });
    await waitFor(async () => (await worksOf(name)).join() === [a, b].sort().join(), { message: "Work follows the decisions" });
    await waitFor(async () => (await status(name))?.failedClusters === 0);
    await admin.delete(PlacementDecisionResource, `${key}-0`, { namespace: inv });
    await waitFor(async () => (await worksOf(name)).join() === b, { message: "Work removed with the decision" });

    // No decision left at all is not an empty decision: the Work stays and the placement says why.
    await admin.delete(PlacementDecisionResource, `${key}-1`, { namespace: inv });
    await waitFor(async () => findCondition((await status(name))?.conditions, "ClustersSelected")?.reason === "PlacementDecisionNotFound", { message: "condition names the missing decision" });
    expect(await worksOf(name)).toEqual([b]);
    // A decision that explicitly leaves every cluster out removes it.
    await admin.create(PlacementDecisionResource, slice(2, []));
    await waitFor(async () => (await worksOf(name)).length === 0, { message: "Work removed by an explicit empty decision" });
  });

  it("rolls out to at most maxConcurrency clusters at a time, gated on real availability, for the first rollout and a template change", async () => {
    const [a, b] = [uniqueName("hplace-g1"), uniqueName("hplace-g2")].sort() as [string, string];
    await createProfile(a, { gated: "yes" });
    await createProfile(b, { gated: "yes" });
    await startAgent(a, 1);
    await startAgent(b, 2);
    const name = uniqueName("hplace-gate");
    // Pods become ready at once on kwok's nodes; minReadySeconds keeps each cluster's Work not Available for a while.
    const deploy = (image: string): KubeObject =>
      ({
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name, namespace: "default" },
        spec: { replicas: 2, minReadySeconds: 3, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "web", image }] } } },
      });
    const imageOf = (w: Work | undefined): string | undefined => (w?.spec.workload?.manifests?.[0] as { spec?: { template?: { spec?: { containers?: { image?: string }[] } } } } | undefined)?.spec?.template?.spec?.containers?.[0]?.image;
    const current = (w: Work | undefined, type: string): boolean => {
      const c = findCondition(w?.status?.conditions, type);
      return c?.status === "True" && c.observedGeneration === w?.metadata.generation;
    };

    /**
     * Polls until both clusters run `image` and are Available. At no poll may more than one cluster
     * be updated and not yet Available (maxConcurrency 1), and some poll must show the gate holding
     * on availability: one cluster updated and Applied but not Available, the other not updated.
     */
    const rollOut = async (image: string): Promise<void> => {
      const violations: string[] = [];
      let gated = false;
      await waitFor(async () => {
        const ws = await Promise.all([a, b].map((c) => get<Work>(WorkResource, name, c)));
        const updated = ws.map((w) => imageOf(w) === image);
        const available = ws.map((w) => current(w, "Available"));
        const inFlight = updated.filter((u, i) => u && !available[i]).length;
        if (inFlight > 1) violations.push(`both clusters updated and not Available: ${JSON.stringify(ws.map((w) => w?.status?.conditions))}`);
        const one = updated.filter(Boolean).length === 1 ? updated.indexOf(true) : -1;
        if (one >= 0 && current(ws[one], "Applied") && !available[one]) gated = true;
        return updated.every(Boolean) && available.every(Boolean);
      }, { timeoutMs: 120_000, intervalMs: 100, message: `both clusters on ${image} and Available (${agentLog(a)} ${agentLog(b)})` });
      expect(violations).toEqual([]);
      expect(gated).toBe(true);
    };

    const p = placement(name, { clusterSelector: { matchLabels: { gated: "yes" } }, maxConcurrency: 1 });
    p.spec.workTemplate.spec.workload = { manifests: [deploy("nginx:1.27")] };
    await admin.create(WorkPlacementResource, p as unknown as KubeObject);
    await rollOut("nginx:1.27");
    for (const [spoke] of [[1], [2]] as const) {
      const d = await get<{ status?: { availableReplicas?: number } }>({ group: "apps", version: "v1", resource: "deployments", kind: "Deployment", namespaced: true }, name, "default", spokes[spoke]);
      expect(d?.status?.availableReplicas).toBe(2);
    }
    await waitFor(async () => (await status(name))?.availableClusters === 2, { message: "status: 2 available" });

    // A template change rolls out one cluster at a time too (a new spec bumps each Work's generation).
    const live = (await get<WorkPlacement>(WorkPlacementResource, name, inv))!;
    live.spec.workTemplate.spec.workload = { manifests: [deploy("nginx:1.28")] };
    await admin.update(WorkPlacementResource, live as unknown as KubeObject);
    await waitFor(async () => findCondition((await status(name))?.conditions, "Progressing")?.reason === "RollingOut", { message: "rolling out" });
    await rollOut("nginx:1.28");
    await waitFor(async () => findCondition((await status(name))?.conditions, "Progressing")?.reason === "RolloutComplete", { message: "rollout complete" });
  });
});
