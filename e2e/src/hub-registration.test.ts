/**
 * work-hub registration and agent credentials on the real hub of the shared
 * plane: namespaces, RBAC and minted kubeconfigs per ClusterProfile; the
 * agent's identity tested against real RBAC; token rotation and revocation;
 * the `work-hub join` / `kubectl work join` output applied to a real spoke.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import {
  AGENT_LEASE_NAME,
  CLUSTERSET_LABEL,
  CLUSTER_MANAGER_LABEL,
  ClusterProfileResource,
  WORK_FINALIZER,
  WorkResource,
  findCondition,
  type ClusterProfile,
  type KubeObject,
  type Work,
} from "@work-api/api";
import { AGENT_KUBECONFIG_SECRET, CLUSTER_LABEL, KUBECONFIG_KEY, TOKEN_EXPIRATION_ANNOTATION, parseAgentKubeconfig, startHub, type RunningHub } from "@work-api/hub";
import { KubeClient, createLogger, isForbidden, isNotFound, noopLogger } from "@work-api/runtime";
import { hubKubeconfig, kubectlOk, spokeKubeconfig, testNamespace, uniqueName, waitFor } from "./env.js";

const exec = promisify(execFile);
const HUB_BIN = fileURLToPath(new URL("../../hub/bin/work-hub.js", import.meta.url));
const KUBECTL_WORK_BIN = fileURLToPath(new URL("../../hub/bin/kubectl-work.js", import.meta.url));

const Namespaces = { group: "", version: "v1", resource: "namespaces", kind: "Namespace", namespaced: false } as const;
const ServiceAccounts = { group: "", version: "v1", resource: "serviceaccounts", kind: "ServiceAccount", namespaced: true } as const;
const Secrets = { group: "", version: "v1", resource: "secrets", kind: "Secret", namespaced: true } as const;
const Roles = { group: "rbac.authorization.k8s.io", version: "v1", resource: "roles", kind: "Role", namespaced: true } as const;
const RoleBindings = { group: "rbac.authorization.k8s.io", version: "v1", resource: "rolebindings", kind: "RoleBinding", namespaced: true } as const;
const Leases = { group: "coordination.k8s.io", version: "v1", resource: "leases", kind: "Lease", namespaced: true } as const;
const Events = { group: "", version: "v1", resource: "events", kind: "Event", namespaced: true } as const;

interface Secret extends KubeObject {
  data?: Record<string, string>;
}

const inv = testNamespace("hreg-fleet", { labels: { [CLUSTERSET_LABEL]: "hreg-set" } });
const clusterA = uniqueName("hreg-a");
const clusterB = uniqueName("hreg-b");
const foreign = uniqueName("hreg-foreign");
const occupied = uniqueName("hreg-occupied");

let hub: RunningHub;
/** A second replica, run as a `work-hub` child process (leader-election test). */
let standby: ChildProcess | undefined;
const admin = KubeClient.fromFile(hubKubeconfig());

function profile(name: string, manager = "work-api"): ClusterProfile {
  return {
    apiVersion: "multicluster.x-k8s.io/v1alpha1",
    kind: "ClusterProfile",
    metadata: { name, namespace: inv, labels: { [CLUSTER_MANAGER_LABEL]: manager } },
    spec: { clusterManager: { name: manager } },
  };
}

async function get<T = KubeObject>(r: Parameters<KubeClient["get"]>[0], name: string, namespace?: string): Promise<T | undefined> {
  try {
    return (await admin.get(r, name, namespace ? { namespace } : {})) as T;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** The minted kubeconfig of a cluster, once the hub wrote it. */
async function mintedKubeconfig(cluster: string): Promise<string> {
  const s = await waitFor(async () => (await get<Secret>(Secrets, AGENT_KUBECONFIG_SECRET, cluster))?.data?.[KUBECONFIG_KEY], { message: `kubeconfig Secret of ${cluster}` });
  return Buffer.from(s, "base64").toString("utf8");
}

function clientOf(kubeconfigText: string): KubeClient {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfigText);
  return KubeClient.fromKubeConfig(kc);
}

/** Resolves with the error's HTTP status, or 200 when the call succeeds. */
async function statusOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (err) {
    if (isForbidden(err)) return 403;
    return (err as { statusCode?: number }).statusCode ?? -1;
  }
}

beforeAll(async () => {
  hub = await startHub({
    // E2E_HUB_LOG_LEVEL=debug shows the hub's log on stderr.
    logger: process.env.E2E_HUB_LOG_LEVEL ? createLogger({ level: process.env.E2E_HUB_LOG_LEVEL as "debug", pretty: true }) : noopLogger,
    kubeconfig: hubKubeconfig(),
    inventoryNamespace: inv,
    leaderElect: true,
    leaderElectionLeaseDurationMs: 5_000,
    healthAddr: "127.0.0.1:0",
    metricsAddr: "127.0.0.1:0",
    // Rotate every ~10 s so the test sees it (the API server's minimum lifetime is 10 min).
    tokenLifetimeMs: 600_000,
    tokenRotateBeforeMs: 590_000,
  });
  await admin.create(Namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name: occupied } });
  for (const c of [clusterA, clusterB, occupied]) await admin.create(ClusterProfileResource, profile(c));
  await admin.create(ClusterProfileResource, profile(foreign, "someone-else"));
});

afterAll(async () => {
  // Profiles go through the removal of whichever replica leads; wait so nothing is left behind.
  const standbyAlive = standby !== undefined && standby.exitCode === null && standby.signalCode === null;
  if (hub?.isLeader() || standbyAlive) {
    for (const p of (await admin.list(ClusterProfileResource, { namespace: inv })).items) await admin.delete(ClusterProfileResource, p.metadata!.name!, { namespace: inv }).catch(() => undefined);
    await waitFor(async () => (await admin.list(ClusterProfileResource, { namespace: inv })).items.length === 0, { timeoutMs: 60_000, message: "profiles removed" }).catch(() => undefined);
  }
  await hub?.stop();
  if (standbyAlive) {
    standby!.kill("SIGKILL");
    await new Promise((r) => standby!.once("exit", r));
  }
  // Last resort after a failure: nothing may keep the test namespaces from going.
  for (const p of (await admin.list<ClusterProfile & KubeObject>(ClusterProfileResource, { namespace: inv })).items) {
    await admin.update(ClusterProfileResource, { ...p, metadata: { ...p.metadata, finalizers: [] } }).catch(() => undefined);
  }
  for (const n of (await admin.list(Namespaces, { labelSelector: `work.multicluster.x-k8s.io/inventory-namespace=${inv}` })).items) {
    await admin.delete(Namespaces, n.metadata!.name!).catch(() => undefined);
  }
  await admin.delete(Namespaces, occupied).catch(() => undefined);
  admin.close();
});

describe("work-hub registration", () => {
  it("gives each ClusterProfile of its cluster manager a namespace, ServiceAccount, Role, RoleBinding and kubeconfig Secret", async () => {
    for (const c of [clusterA, clusterB]) {
      const ns = await waitFor(() => get(Namespaces, c), { message: `namespace ${c}` });
      expect(ns.metadata?.labels).toMatchObject({ [CLUSTER_LABEL]: c, [CLUSTERSET_LABEL]: "hreg-set" });
      await waitFor(() => get(ServiceAccounts, "work-agent", c), { message: "ServiceAccount" });
      await waitFor(() => get(Roles, "work-agent", c), { message: "Role" });
      await waitFor(() => get(RoleBindings, "work-agent", c), { message: "RoleBinding" });
      const kc = parseAgentKubeconfig(await mintedKubeconfig(c));
      expect(kc.server).toBe(hub.hub.server);
      expect(kc.namespace).toBe(c);
      expect(kc.caPem).toContain("BEGIN CERTIFICATE");
      const p = await waitFor(async () => {
        const x = await get<ClusterProfile>(ClusterProfileResource, c, inv);
        return findCondition(x?.status?.conditions, "WorkNamespaceReady")?.status === "True" ? x : undefined;
      });
      expect(p.metadata.finalizers).toContain("work.multicluster.x-k8s.io/cluster-cleanup");
      expect(findCondition(p.status?.conditions, "Joined")).toMatchObject({ status: "Unknown", reason: "AgentNotConnected" });
    }
    // Another cluster manager's profile is left alone.
    expect(await get(Namespaces, foreign)).toBeUndefined();
    expect((await get<ClusterProfile>(ClusterProfileResource, foreign, inv))?.metadata.finalizers ?? []).toEqual([]);
  });

  it("confines an agent's minted credentials to its own namespace (real RBAC)", async () => {
    const agent = clientOf(await mintedKubeconfig(clusterA));
    try {
      // Allowed: everything the agent does in its namespace.
      await waitFor(async () => (await agent.list(WorkResource, { namespace: clusterA })).items, { message: "RBAC allows listing own Works" });
      await admin.create<Work>(WorkResource, { apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "Work", metadata: { name: "rbac-probe", namespace: clusterA }, spec: { workload: { manifests: [] } } });
      const w = await agent.get<Work>(WorkResource, "rbac-probe", { namespace: clusterA });
      const held = await agent.update<Work>(WorkResource, { ...w, metadata: { ...w.metadata, finalizers: [WORK_FINALIZER] } });
      const withStatus = await agent.updateStatus<Work>(WorkResource, {
        ...held,
        status: { conditions: [{ type: "Applied", status: "True", reason: "AppliedWorkComplete", message: "ok", lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, "Z") }] },
      });
      await agent.update<Work>(WorkResource, { ...withStatus, metadata: { ...withStatus.metadata, finalizers: [] } });
      const watch = agent.watch(WorkResource, { namespace: clusterA, timeoutSeconds: 1 });
      for await (const ev of watch) if (ev.type === "ADDED") break;
      const lease = await agent.create(Leases, { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: AGENT_LEASE_NAME, namespace: clusterA }, spec: { holderIdentity: "probe", leaseDurationSeconds: 10 } });
      await agent.update(Leases, lease);
      await agent.create(Events, {
        apiVersion: "v1",
        kind: "Event",
        metadata: { generateName: "probe.", namespace: clusterA },
        involvedObject: { kind: "Work", name: "rbac-probe", namespace: clusterA },
        reason: "Probe",
        message: "rbac probe",
        type: "Normal",
      });
      expect((await agent.get<Secret>(Secrets, AGENT_KUBECONFIG_SECRET, { namespace: clusterA })).data?.[KUBECONFIG_KEY]).toBeDefined();

      // Denied: the other cluster's namespace, the inventory, anything it does not need.
      expect(await statusOf(agent.list(WorkResource, { namespace: clusterB }))).toBe(403);
      expect(await statusOf(agent.get(WorkResource, "rbac-probe", { namespace: clusterB }))).toBe(403);
      expect(await statusOf(agent.list(ClusterProfileResource, { namespace: inv }))).toBe(403);
      expect(await statusOf(agent.get(ClusterProfileResource, clusterA, { namespace: inv }))).toBe(403);
      expect(await statusOf(agent.create(WorkResource, { apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "Work", metadata: { name: "x", namespace: clusterA }, spec: {} }))).toBe(403);
      expect(await statusOf(agent.delete(WorkResource, "rbac-probe", { namespace: clusterA }))).toBe(403);
      expect(await statusOf(agent.get(Secrets, AGENT_KUBECONFIG_SECRET, { namespace: clusterB }))).toBe(403);
      expect(await statusOf(agent.list(Secrets, { namespace: clusterA }))).toBe(403);
      expect(await statusOf(agent.get(Leases, AGENT_LEASE_NAME, { namespace: clusterB }))).toBe(403);
      expect(await statusOf(agent.list(Namespaces))).toBe(403);
      expect(await statusOf(agent.update(Roles, { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "work-agent", namespace: clusterA }, rules: [] }))).toBe(403);
    } finally {
      agent.close();
      await admin.delete(WorkResource, "rbac-probe", { namespace: clusterA }).catch(() => undefined);
      await admin.delete(Leases, AGENT_LEASE_NAME, { namespace: clusterA }).catch(() => undefined);
    }
  });

  it("refuses to adopt a namespace it did not create, and leaves it alone on removal", async () => {
    const p = await waitFor(async () => {
      const x = await get<ClusterProfile>(ClusterProfileResource, occupied, inv);
      return findCondition(x?.status?.conditions, "WorkNamespaceReady")?.reason === "NamespaceConflict" ? x : undefined;
    });
    expect(findCondition(p.status?.conditions, "WorkNamespaceReady")?.status).toBe("False");
    expect(await get(ServiceAccounts, "work-agent", occupied)).toBeUndefined();
    await admin.delete(ClusterProfileResource, occupied, { namespace: inv });
    await waitFor(async () => (await get(ClusterProfileResource, occupied, inv)) === undefined, { message: "profile released" });
    expect((await get(Namespaces, occupied))?.metadata?.deletionTimestamp).toBeUndefined();
  });

  it("rotates the agent token before it expires; the new token works", async () => {
    const first = await mintedKubeconfig(clusterB);
    const s1 = await get<Secret>(Secrets, AGENT_KUBECONFIG_SECRET, clusterB);
    const expires = Date.parse(s1!.metadata!.annotations![TOKEN_EXPIRATION_ANNOTATION]!);
    expect(expires - Date.now()).toBeGreaterThan(500_000); // a bounded lifetime of about 10 min
    expect(expires - Date.now()).toBeLessThan(610_000);
    const second = await waitFor(async () => {
      const k = await mintedKubeconfig(clusterB);
      return parseAgentKubeconfig(k).token !== parseAgentKubeconfig(first).token ? k : undefined;
    }, { timeoutMs: 40_000, message: "token rotated" });
    const agent = clientOf(second);
    try {
      await waitFor(async () => (await agent.list(WorkResource, { namespace: clusterB })).items);
    } finally {
      agent.close();
    }
    const events = await admin.list(Events, { namespace: inv, fieldSelector: `involvedObject.name=${clusterB}` });
    expect(events.items.map((e) => (e as { reason?: string }).reason)).toContain("CredentialsRotated");
  });

  it("revokes the tokens minted into the kubeconfig Secret when it is deleted, and mints a new one", async () => {
    const old = await mintedKubeconfig(clusterA);
    const oldUid = (await get<Secret>(Secrets, AGENT_KUBECONFIG_SECRET, clusterA))!.metadata!.uid;
    await admin.delete(Secrets, AGENT_KUBECONFIG_SECRET, { namespace: clusterA });
    const fresh = await waitFor(async () => {
      const s = await get<Secret>(Secrets, AGENT_KUBECONFIG_SECRET, clusterA);
      return s && s.metadata?.uid !== oldUid && s.data?.[KUBECONFIG_KEY] ? Buffer.from(s.data[KUBECONFIG_KEY], "base64").toString() : undefined;
    }, { message: "new kubeconfig" });
    const revoked = clientOf(old);
    const renewed = clientOf(fresh);
    try {
      await waitFor(async () => (await statusOf(revoked.list(WorkResource, { namespace: clusterA }))) === 401, { message: "old token rejected" });
      expect(await statusOf(renewed.list(WorkResource, { namespace: clusterA }))).toBe(200);
    } finally {
      revoked.close();
      renewed.close();
    }
  });

  it("`work-hub join` prints a bootstrap that applies on the spoke; `kubectl work join --print kubeconfig` prints the minted kubeconfig", async () => {
    const agentNs = uniqueName("hreg-agent");
    const { stdout } = await exec(process.execPath, [HUB_BIN, "join", clusterA, "--kubeconfig", hubKubeconfig(), "--inventory-namespace", inv, "--agent-namespace", agentNs, "--agent-image", "example.com/work-agent:test"]);
    const docs = parseAllDocuments(stdout).map((d) => d.toJSON() as unknown as KubeObject);
    expect(docs.map((d) => d.kind)).toEqual(["Namespace", "Secret", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "ServiceAccount", "ClusterRole", "ClusterRole", "ClusterRoleBinding", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "Deployment"]);
    const secret = docs.find((d) => d.kind === "Secret") as Secret;
    expect(Buffer.from(secret.data![KUBECONFIG_KEY]!, "base64").toString()).toBe(await mintedKubeconfig(clusterA));
    // Server-side dry run: the API server validates and admits every object, nothing is persisted
    // (the agent's namespace is created for real, since the namespaced objects need it).
    await kubectlOk(spokeKubeconfig(1), ["create", "namespace", agentNs]);
    try {
      const out = await kubectlOk(spokeKubeconfig(1), ["apply", "--dry-run=server", "-f", "-"], { input: stdout });
      for (const what of ["secret/work-agent-hub-kubeconfig", "serviceaccount/work-agent", "clusterrole.rbac.authorization.k8s.io/work-agent", "clusterrolebinding.rbac.authorization.k8s.io/work-agent", "deployment.apps/work-agent"]) {
        expect(out).toContain(what);
      }
    } finally {
      await kubectlOk(spokeKubeconfig(1), ["delete", "namespace", agentNs, "--wait=false"]).catch(() => undefined);
    }
    const kc = await exec(process.execPath, [KUBECTL_WORK_BIN, "join", clusterA, "--kubeconfig", hubKubeconfig(), "--inventory-namespace", inv, "--print", "kubeconfig"]);
    expect(kc.stdout).toBe(await mintedKubeconfig(clusterA));
    const missing = await exec(process.execPath, [HUB_BIN, "join", "no-such-cluster", "--kubeconfig", hubKubeconfig(), "--inventory-namespace", inv]).then(
      () => undefined,
      (err: unknown) => err as { code: number; stderr: string },
    );
    expect(missing?.code).toBe(2);
    expect(missing?.stderr).toContain("no ClusterProfile no-such-cluster");
  });

  it("serves /readyz and /metrics", async () => {
    expect(hub.isLeader()).toBe(true);
    const ready = await fetch(`http://127.0.0.1:${hub.healthPort}/readyz`);
    expect(ready.status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${hub.metricsPort}/metrics`)).text();
    expect(metrics).toContain('controller_runtime_reconcile_total{controller="registration"');
  });

  it("runs the controllers only in the replica holding the leader Lease; a `work-hub` standby takes over and exits cleanly on SIGTERM", async () => {
    let log = "";
    standby = spawn(process.execPath, [
      HUB_BIN,
      "--kubeconfig", hubKubeconfig(),
      "--inventory-namespace", inv,
      "--leader-election-lease-duration", "5s",
      "--health-addr", "0",
      "--metrics-addr", "0",
      "--log-format", "text",
    ], { stdio: ["ignore", "ignore", "pipe"] });
    standby.stderr?.on("data", (d: Buffer) => (log += d.toString()));
    const exited = new Promise<number | null>((r) => standby!.once("exit", (code) => r(code)));
    await waitFor(() => log.includes("Attempting to acquire leader lease"), { message: "standby campaigns" });
    await new Promise((r) => setTimeout(r, 2_000));
    expect(log).not.toContain("Became leader");
    expect(hub.isLeader()).toBe(true);

    // The leader steps down (releasing the Lease); the standby takes over at once and reconciles.
    await hub.stop();
    await waitFor(() => log.includes("Became leader"), { timeoutMs: 20_000, message: `standby leads (log:\n${log})` });
    const late = uniqueName("hreg-late");
    await admin.create(ClusterProfileResource, profile(late));
    await waitFor(() => get(Namespaces, late), { message: "the new leader registers a new cluster" });
    await mintedKubeconfig(late);

    // Clean up through the new leader, then stop it like a kubelet would.
    for (const p of (await admin.list(ClusterProfileResource, { namespace: inv })).items) await admin.delete(ClusterProfileResource, p.metadata!.name!, { namespace: inv }).catch(() => undefined);
    await waitFor(async () => (await admin.list(ClusterProfileResource, { namespace: inv })).items.length === 0, { timeoutMs: 60_000, message: "profiles removed by the new leader" });
    standby.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(log).toContain("work-hub stopped");
  });
});
