/**
 * Prometheus metrics of both components, scraped over HTTP from real
 * processes: a `work-hub` and a `work-agent` (with the credentials the hub
 * minted) on the shared plane. Both serve the process and event-loop metrics
 * of prom-client and controller-runtime's families; applying a Work, editing
 * and deleting its object out of band moves the counters that say so.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLUSTER_MANAGER_LABEL, ClusterProfileResource, type KubeObject } from "@work-api/api";
import { KubeClient } from "@work-api/runtime";
import { clients, hubKubeconfig, kubeConfig, spokeKubeconfig, testNamespace, uniqueName, waitFor } from "./env.js";
import { freePort, parseMetrics, startMintedAgent, sumMetric, type AgentProcess } from "./agent-harness.js";
import { waitForWorkCondition, workObject } from "./work-helpers.js";

const HUB_BIN = fileURLToPath(new URL("../../hub/bin/work-hub.js", import.meta.url));
const ConfigMaps = { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: true } as const;

const inv = testNamespace("metrics-fleet");
const cluster = uniqueName("metrics");
const cmName = uniqueName("metrics-cm");
const admin = KubeClient.fromFile(hubKubeconfig());
const spokeAdmin = KubeClient.fromFile(spokeKubeconfig(1));
const hubObjects = clients(hubKubeconfig()).objects;
const hostOf = (kubeconfig: string): string => new URL(kubeConfig(kubeconfig).getCurrentCluster()!.server).host;

let hubProc: ChildProcess | undefined;
let hubLog = "";
let hubMetricsPort = 0;
let agent: AgentProcess | undefined;

const scrape = async (port: number): Promise<Map<string, number>> => parseMetrics(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
const hubMetrics = (): Promise<Map<string, number>> => scrape(hubMetricsPort);
const agentMetrics = (): Promise<Map<string, number>> => agent!.metrics();

/** Sum of the samples of `name` whose label set matches every regular expression of `labels`. */
function sumMatching(samples: Map<string, number>, name: string, labels: Record<string, RegExp>): number {
  let total = 0;
  for (const [k, v] of samples) {
    if (!k.startsWith(`${name}{`)) continue;
    const ls = Object.fromEntries([...k.matchAll(/([a-zA-Z_]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([lk, re]) => re.test(ls[lk] ?? ""))) total += v;
  }
  return total;
}

const has = (samples: Map<string, number>, name: string): boolean => [...samples.keys()].some((k) => k === name || k.startsWith(`${name}{`));

beforeAll(async () => {
  const [metricsPort, healthPort] = [await freePort(), await freePort()];
  hubMetricsPort = metricsPort;
  hubProc = spawn(process.execPath, [
    HUB_BIN,
    "--kubeconfig", hubKubeconfig(),
    "--inventory-namespace", inv,
    "--metrics-addr", `127.0.0.1:${metricsPort}`,
    "--health-addr", `127.0.0.1:${healthPort}`,
    "--log-format", "text",
  ], { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, WORK_HUB_LEADER_ELECT: "false" } });
  hubProc.stderr?.on("data", (d: Buffer) => (hubLog += d.toString()));
  await waitFor(async () => {
    if (hubProc!.exitCode !== null) throw new Error(`work-hub exited ${hubProc!.exitCode}:\n${hubLog.slice(-3000)}`);
    return (await fetch(`http://127.0.0.1:${healthPort}/readyz`).catch(() => undefined))?.status === 200;
  }, { message: "work-hub ready" });
  await admin.create(ClusterProfileResource, {
    apiVersion: "multicluster.x-k8s.io/v1alpha1",
    kind: "ClusterProfile",
    metadata: { name: cluster, namespace: inv, labels: { [CLUSTER_MANAGER_LABEL]: "work-api" } },
    spec: { clusterManager: { name: "work-api" } },
  });
  agent = await startMintedAgent(hubKubeconfig(), cluster, spokeKubeconfig(1), ["--lease-duration", "4s"]);
});

afterAll(async () => {
  await hubObjects.delete({ apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "Work", metadata: { name: "metered", namespace: cluster } }).catch(() => undefined);
  await waitFor(async () => !(await spokeAdmin.get(ConfigMaps, cmName, { namespace: "default" }).catch(() => undefined)), { timeoutMs: 30_000 }).catch(() => undefined);
  await agent?.stop();
  await admin.delete(ClusterProfileResource, cluster, { namespace: inv }).catch(() => undefined);
  await waitFor(async () => (await admin.list(ClusterProfileResource, { namespace: inv })).items.length === 0, { timeoutMs: 60_000 }).catch(() => undefined);
  if (hubProc && hubProc.exitCode === null) {
    const exited = new Promise((r) => hubProc!.once("exit", r));
    hubProc.kill("SIGTERM");
    await exited;
  }
  admin.close();
  spokeAdmin.close();
});

describe("metrics of work-hub and work-agent", () => {
  it("serve prom-client's process and event-loop metrics", async () => {
    for (const [who, m] of [["hub", await hubMetrics()], ["agent", await agentMetrics()]] as const) {
      expect(sumMetric(m, "process_resident_memory_bytes"), who).toBeGreaterThan(0);
      expect(has(m, "nodejs_eventloop_lag_seconds"), who).toBe(true);
      expect(has(m, "process_cpu_seconds_total"), who).toBe(true);
    }
  });

  it("counts a Work's reconciles, created manifests, REST requests by code and Works by condition", async () => {
    const before = await agentMetrics();
    const reconciles0 = sumMetric(before, "controller_runtime_reconcile_total", { controller: "work" });
    const created0 = sumMetric(before, "work_agent_manifests_total", { action: "created" });
    await hubObjects.create(workObject(cluster, "metered", [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: cmName, namespace: "default" }, data: { k: "v" } }]));
    await waitForWorkCondition(hubObjects, cluster, "metered", "Applied", "True");
    expect(sumMetric(before, "controller_runtime_max_concurrent_reconciles", { controller: "work" })).toBe(8);

    const spokeHost = hostOf(spokeKubeconfig(1));
    const after = await waitFor(async () => {
      const m = await agentMetrics();
      return sumMetric(m, "work_agent_works", { condition: "Applied", status: "True" }) === 1 ? m : undefined;
    }, { message: "work_agent_works{condition=Applied,status=True} 1" });
    expect(sumMetric(after, "controller_runtime_reconcile_total", { controller: "work" })).toBeGreaterThan(reconciles0);
    expect(sumMetric(after, "work_agent_manifests_total", { action: "created" })).toBe(created0 + 1);
    expect(sumMatching(after, "rest_client_requests_total", { code: /^2\d\d$/, method: /^PATCH$/, host: new RegExp(`^${spokeHost.replace(/\./g, "\\.")}$`) })).toBeGreaterThan(0);
    expect(sumMatching(after, "rest_client_requests_total", { code: /^2\d\d$/, host: new RegExp(`^${hostOf(hubKubeconfig()).replace(/\./g, "\\.")}$`) })).toBeGreaterThan(0);
    expect(sumMetric(after, "work_agent_works", { condition: "Applied", status: "False" })).toBe(0);
    expect(sumMetric(after, "workqueue_adds_total", { name: "work" })).toBeGreaterThan(0);
    expect(sumMetric(after, "workqueue_queue_duration_seconds_count", { name: "work" })).toBeGreaterThan(0);
    expect(sumMetric(after, "workqueue_work_duration_seconds_count", { name: "work" })).toBeGreaterThan(0);
    expect(sumMetric(after, "controller_runtime_reconcile_time_seconds_count", { controller: "work" })).toBeGreaterThan(0);
    // The series the agent alerts join on to name the cluster (all agents run in namespace work-agent).
    expect(sumMetric(after, "work_agent_info", { cluster_name: cluster, hub_namespace: cluster })).toBe(1);
  });

  it("counts drift reverted on the spoke: an out-of-band edit (a conflict forced) and a deletion", async () => {
    const m0 = await agentMetrics();
    const modified0 = sumMetric(m0, "work_agent_drift_reverts_total", { change: "modified" });
    const forced0 = sumMetric(m0, "work_agent_apply_conflicts_total", { resolution: "forced" });
    await spokeAdmin.patch(ConfigMaps, cmName, { data: { k: "edited" } }, { namespace: "default", fieldManager: "someone-else" });
    await waitFor(async () => (await spokeAdmin.get<KubeObject & { data?: Record<string, string> }>(ConfigMaps, cmName, { namespace: "default" })).data?.k === "v", { message: "edit reverted" });
    const m1 = await waitFor(async () => {
      const m = await agentMetrics();
      return sumMetric(m, "work_agent_drift_reverts_total", { change: "modified" }) > modified0 ? m : undefined;
    }, { message: "drift revert counted" });
    expect(sumMetric(m1, "work_agent_apply_conflicts_total", { resolution: "forced" })).toBeGreaterThan(forced0);

    const deleted0 = sumMetric(m1, "work_agent_drift_reverts_total", { change: "deleted" });
    await spokeAdmin.delete(ConfigMaps, cmName, { namespace: "default" });
    await waitFor(async () => {
      const m = await agentMetrics();
      return sumMetric(m, "work_agent_drift_reverts_total", { change: "deleted" }) > deleted0;
    }, { message: "re-creation counted" });
    expect((await spokeAdmin.get<KubeObject & { data?: Record<string, string> }>(ConfigMaps, cmName, { namespace: "default" })).data).toEqual({ k: "v" });
  });

  it("reports on the hub: reconciles, REST requests, clusters by condition and the agent's heartbeat age", async () => {
    const hubHost = hostOf(hubKubeconfig());
    const m = await waitFor(async () => {
      const s = await hubMetrics();
      return sumMetric(s, "work_hub_clusters", { condition: "Joined", status: "True" }) >= 1 ? s : undefined;
    }, { message: "work_hub_clusters{condition=Joined,status=True}" });
    expect(sumMetric(m, "controller_runtime_reconcile_total", { controller: "registration", result: "success" })).toBeGreaterThan(0);
    expect(sumMetric(m, "controller_runtime_max_concurrent_reconciles", { controller: "health" })).toBe(4);
    expect(sumMatching(m, "rest_client_requests_total", { code: /^2\d\d$/, method: /^GET$/, host: new RegExp(`^${hubHost.replace(/\./g, "\\.")}$`) })).toBeGreaterThan(0);
    const series = `work_hub_cluster_heartbeat_age_seconds{cluster="${cluster}"}`;
    expect(m.has(series), series).toBe(true);
    const age = m.get(series)!;
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(30);
    expect(sumMetric(m, "work_hub_leader")).toBe(1);
  });

  // Last: it stops the agent. The signal of WorkAgentNotReporting is this age growing past the lease.
  it("shows a stopped agent's heartbeat ageing past its lease duration, and the cluster no longer Joined", async () => {
    const series = `work_hub_cluster_heartbeat_age_seconds{cluster="${cluster}"}`;
    const fresh = (await hubMetrics()).get(series);
    expect(fresh, series).toBeLessThan(4);
    expect(await agent!.stop()).toBe(0);
    const m = await waitFor(async () => {
      const s = await hubMetrics();
      return (s.get(series) ?? 0) > 8 ? s : undefined;
    }, { timeoutMs: 30_000, message: `${series} > 8 s (twice the 4 s lease) after the agent stopped` });
    await waitFor(async () => sumMetric(await hubMetrics(), "work_hub_clusters", { condition: "Joined", status: "True" }) === 0, { timeoutMs: 30_000, message: "no cluster Joined=True" });
    expect(m.get(series)).toBeGreaterThan(8);
  });
});
