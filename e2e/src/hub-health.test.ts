/**
 * work-hub health and removal with real agents (agent/bin/work-agent.js,
 * running with the credentials the hub minted) on the real spokes of the
 * shared plane:
 * - the ClusterProfile status follows the agent's heartbeat Lease as the
 *   agent is stopped and restarted;
 * - deleting a ClusterProfile deletes its Works (the live agent removes what
 *   they applied), then its namespace, then lets the profile go;
 * - with the agent gone, the hub releases the Works' finalizers after the
 *   grace period and an Event names what was orphaned on the spoke.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeConfig } from "@kubernetes/client-node";
import {
  AGENT_KUBECONFIG_KEY,
  AGENT_KUBECONFIG_SECRET,
  AGENT_LEASE_NAME,
  AppliedWorkResource,
  CLUSTERSET_LABEL,
  CLUSTER_PROPERTIES_ANNOTATION,
  KUBERNETES_VERSION_ANNOTATION,
  CLUSTER_MANAGER_LABEL,
  ClusterProfileResource,
  WORK_FINALIZER,
  WorkResource,
  findCondition,
  type AppliedWork,
  type ClusterProfile,
  type KubeObject,
  type Work,
} from "@work-api/api";
import { MAX_PROPERTIES, MAX_PROPERTIES_CHARS, startHub, type RunningHub } from "@work-api/hub";
import { KubeClient, createLogger, isNotFound, noopLogger } from "@work-api/runtime";
import { hubKubeconfig, pinnedKubeVersion, spokeKubeconfig, testNamespace, uniqueName, waitFor } from "./env.js";
import { startMintedAgent, type AgentProcess } from "./agent-harness.js";

const Namespaces = { group: "", version: "v1", resource: "namespaces", kind: "Namespace", namespaced: false } as const;
const ConfigMaps = { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: true } as const;
const Events = { group: "", version: "v1", resource: "events", kind: "Event", namespaced: true } as const;
const Secrets = { group: "", version: "v1", resource: "secrets", kind: "Secret", namespaced: true } as const;
const Leases = { group: "coordination.k8s.io", version: "v1", resource: "leases", kind: "Lease", namespaced: true } as const;

const inv = testNamespace("hhealth-fleet");
const admin = KubeClient.fromFile(hubKubeconfig());
const spokes = { 1: KubeClient.fromFile(spokeKubeconfig(1)), 2: KubeClient.fromFile(spokeKubeconfig(2)) } as const;
let hub: RunningHub;
const agents = new Set<AgentProcess>();

/** A real agent for a cluster, with the kubeconfig the hub minted for it; stopped in afterAll. */
async function agentFor(cluster: string, spoke: 1 | 2): Promise<AgentProcess> {
  const a = await startMintedAgent(hubKubeconfig(), cluster, spokeKubeconfig(spoke), ["--lease-duration", "3s"]);
  agents.add(a);
  return a;
}

const tail = (a: AgentProcess): string => a.output().split("\n").slice(-20).join("\n");

async function get<T = KubeObject>(r: Parameters<KubeClient["get"]>[0], name: string, namespace?: string, client = admin): Promise<T | undefined> {
  try {
    return (await client.get(r, name, namespace ? { namespace } : {})) as T;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

async function createProfile(name: string): Promise<void> {
  await admin.create(ClusterProfileResource, {
    apiVersion: "multicluster.x-k8s.io/v1alpha1",
    kind: "ClusterProfile",
    metadata: { name, namespace: inv, labels: { [CLUSTER_MANAGER_LABEL]: "work-api" } },
    spec: { clusterManager: { name: "work-api" } },
  });
}

async function condition(name: string, type: string): Promise<{ status: string; reason: string } | undefined> {
  const p = await get<ClusterProfile>(ClusterProfileResource, name, inv);
  return findCondition(p?.status?.conditions, type);
}

async function eventsAbout(name: string): Promise<{ reason?: string; type?: string; message?: string }[]> {
  return (await admin.list(Events, { namespace: inv, fieldSelector: `involvedObject.name=${name}` })).items as { reason?: string }[];
}

function configMapWork(name: string, namespace: string, cm: string): Work {
  return {
    apiVersion: "multicluster.x-k8s.io/v1alpha1",
    kind: "Work",
    metadata: { name, namespace },
    spec: { workload: { manifests: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: cm, namespace: "default" }, data: { from: name } }] } },
  };
}

/** Removes what an agent left on a spoke for a hub namespace (AppliedWorks and their ConfigMaps). */
async function cleanSpoke(spoke: 1 | 2, hubNamespace: string, configMaps: string[]): Promise<void> {
  const c = spokes[spoke];
  for (const cm of configMaps) await c.delete(ConfigMaps, cm, { namespace: "default" }).catch(() => undefined);
  const aws = await c.list<AppliedWork & KubeObject>(AppliedWorkResource);
  for (const aw of aws.items) if (aw.spec?.workNamespace === hubNamespace) await c.delete(AppliedWorkResource, aw.metadata.name!).catch(() => undefined);
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
    removalGracePeriodMs: 5_000,
  });
});

afterAll(async () => {
  for (const a of [...agents]) await a.stop();
  const left = await admin.list(ClusterProfileResource, { namespace: inv }).catch(() => ({ items: [] }));
  for (const p of left.items) await admin.delete(ClusterProfileResource, p.metadata!.name!, { namespace: inv }).catch(() => undefined);
  await waitFor(async () => (await admin.list(ClusterProfileResource, { namespace: inv })).items.length === 0, { timeoutMs: 60_000 }).catch(() => undefined);
  await hub?.stop();
  for (const c of [admin, spokes[1], spokes[2]]) c.close();
});

describe("work-hub health", () => {
  it("copies the agent's heartbeat into the ClusterProfile and follows it as the agent stops and restarts", async () => {
    const name = uniqueName("hhealth");
    await createProfile(name);
    await waitFor(async () => (await condition(name, "Joined"))?.reason === "AgentNotConnected", { message: "Joined Unknown before the agent runs" });

    const agent = await agentFor(name, 1);
    const live = await waitFor(async () => {
      const p = await get<ClusterProfile>(ClusterProfileResource, name, inv);
      return findCondition(p?.status?.conditions, "Joined")?.status === "True" ? p : undefined;
    }, { message: `Joined True (agent log:\n${tail(agent)})` });
    expect(findCondition(live.status?.conditions, "ControlPlaneHealthy")).toMatchObject({ status: "True" });
    expect(live.status?.version?.kubernetes).toBe(pinnedKubeVersion());
    const id = live.status?.properties?.find((p) => p.name === "cluster.clusterset.k8s.io");
    expect(id).toMatchObject({ value: "spoke1" });
    expect(Date.parse(id!.lastObservedTime!)).toBeGreaterThan(Date.now() - 60_000);

    await agent.stop();
    await waitFor(async () => (await condition(name, "Joined"))?.status === "False", { timeoutMs: 20_000, message: "Joined False after the agent stops" });
    expect(await condition(name, "Joined")).toMatchObject({ reason: "AgentLeaseExpired" });
    expect(await condition(name, "ControlPlaneHealthy")).toMatchObject({ status: "Unknown", reason: "AgentLeaseExpired" });
    // The last known facts stay.
    expect((await get<ClusterProfile>(ClusterProfileResource, name, inv))?.status?.version?.kubernetes).toBe(pinnedKubeVersion());

    const again = await agentFor(name, 1);
    await waitFor(async () => (await condition(name, "Joined"))?.status === "True", { message: "Joined True after restart" });
    expect(await condition(name, "ControlPlaneHealthy")).toMatchObject({ status: "True" });
    await again.stop();
    const reasons = (await eventsAbout(name)).map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(["AgentNotConnected", "AgentLeaseRenewed", "AgentLeaseExpired"]));
    await cleanSpoke(1, name, []);
  });
});

describe("inventory integrity", () => {
  it("bounds what a spoke publishes and never takes its ClusterSet from it (a hostile heartbeat with the agent's own credentials)", async () => {
    const name = uniqueName("hhostile");
    await createProfile(name);
    // The agent's identity, as minted by the hub: what a compromised spoke holds.
    const b64 = await waitFor(async () => (await get<{ data?: Record<string, string> }>(Secrets, AGENT_KUBECONFIG_SECRET, name))?.data?.[AGENT_KUBECONFIG_KEY], { timeoutMs: 60_000, message: "minted kubeconfig" });
    const kc = new KubeConfig();
    kc.loadFromString(Buffer.from(b64, "base64").toString("utf8"));
    const spokeSide = KubeClient.fromKubeConfig(kc);
    const props = [
      ...Array.from({ length: 200 }, (_, i) => ({ name: `p${String(i).padStart(3, "0")}`, value: "v".repeat(1000) })),
      { name: "clusterset.k8s.io", value: "someone-elses-set" },
    ];
    await spokeSide.create(Leases, {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: AGENT_LEASE_NAME, namespace: name, annotations: { [CLUSTER_PROPERTIES_ANNOTATION]: JSON.stringify(props), [KUBERNETES_VERSION_ANNOTATION]: "v".repeat(5_000) } },
      spec: { holderIdentity: "hostile", leaseDurationSeconds: 60, renewTime: new Date().toISOString().replace("Z", "000Z") },
    });
    const p = await waitFor(async () => {
      const cp = await get<ClusterProfile>(ClusterProfileResource, name, inv);
      return (cp?.status?.properties?.length ?? 0) > 0 ? cp : undefined;
    }, { message: "properties copied" });
    expect(p.status!.properties!.length).toBeLessThanOrEqual(MAX_PROPERTIES);
    expect(p.status!.properties!.reduce((n, x) => n + x.name.length + x.value.length, 0)).toBeLessThanOrEqual(MAX_PROPERTIES_CHARS);
    expect(p.status?.version?.kubernetes).toBeUndefined();
    // Its hub namespace keeps the inventory's ClusterSet (none here), not the spoke's claim, through later registration passes.
    const until = Date.now() + 3_000;
    while (Date.now() < until) {
      const ns = await get<KubeObject>(Namespaces, name);
      expect(ns?.metadata?.labels?.[CLUSTERSET_LABEL]).toBeUndefined();
      await new Promise((r) => setTimeout(r, 200));
    }
    spokeSide.close();
  });
});

describe("work-hub removal", () => {
  it("deletes a removed cluster's Works, lets the live agent clean the spoke, then deletes its namespace and releases the profile", async () => {
    const name = uniqueName("hremove");
    const cm = uniqueName("hremove-cm");
    await createProfile(name);
    const agent = await agentFor(name, 2);
    try {
      await waitFor(() => get(Namespaces, name));
      await admin.create(WorkResource, configMapWork("w1", name, cm));
      await waitFor(() => get(ConfigMaps, cm, "default", spokes[2]), { message: `ConfigMap on spoke2 (agent log:\n${tail(agent)})` });
      const w = await get<Work>(WorkResource, "w1", name);
      expect(w?.metadata.finalizers).toContain(WORK_FINALIZER);

      await admin.delete(ClusterProfileResource, name, { namespace: inv });
      await waitFor(async () => (await get(ConfigMaps, cm, "default", spokes[2])) === undefined, { message: "the agent removes the ConfigMap" });
      await waitFor(async () => (await get(ClusterProfileResource, name, inv)) === undefined, { timeoutMs: 60_000, message: "profile released" });
      expect(await get(Namespaces, name)).toBeUndefined();
      expect((await eventsAbout(name)).map((e) => e.reason)).not.toContain("OrphanedWorkResources");
    } finally {
      await agent.stop();
      await cleanSpoke(2, name, [cm]);
    }
  });

  it("releases the finalizers of a gone agent after the grace period and says what was orphaned", async () => {
    const name = uniqueName("horphan");
    const cm = uniqueName("horphan-cm");
    await createProfile(name);
    const agent = await agentFor(name, 1);
    try {
      await waitFor(() => get(Namespaces, name));
      await admin.create(WorkResource, configMapWork("w1", name, cm));
      await waitFor(() => get(ConfigMaps, cm, "default", spokes[1]), { message: `ConfigMap on spoke1 (agent log:\n${tail(agent)})` });
      await waitFor(async () => (await get<Work>(WorkResource, "w1", name))?.metadata.finalizers?.includes(WORK_FINALIZER));
      await agent.stop();

      const t0 = Date.now();
      await admin.delete(ClusterProfileResource, name, { namespace: inv });
      // The Work is held while the agent might still come back (Lease 3 s + grace 5 s).
      await new Promise((r) => setTimeout(r, 2_000));
      expect((await get<Work>(WorkResource, "w1", name))?.metadata.deletionTimestamp).toBeDefined();
      await waitFor(async () => (await get(ClusterProfileResource, name, inv)) === undefined, { timeoutMs: 60_000, message: "profile released" });
      expect(Date.now() - t0).toBeGreaterThan(4_000);
      expect(await get(Namespaces, name)).toBeUndefined();
      const orphaned = (await eventsAbout(name)).find((e) => e.reason === "OrphanedWorkResources");
      expect(orphaned).toMatchObject({ type: "Warning" });
      expect(orphaned?.message).toContain("w1");
      // What the Work applied is still on the spoke: nobody was there to remove it.
      expect(await get(ConfigMaps, cm, "default", spokes[1])).toBeDefined();
    } finally {
      await agent.stop();
      await cleanSpoke(1, name, [cm]);
    }
  });
});
