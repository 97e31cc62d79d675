/**
 * Agents for the benchmarks: least-privilege hub credentials (a
 * ServiceAccount in the agent's hub namespace with the agent's Role, token
 * from the TokenRequest API, the same rules the hub controller grants), and
 * `work-agent` processes with their /metrics and /proc readings.
 */
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { agentRules } from "@work-api/hub";
import type { KubeClient } from "@work-api/runtime";
import { RoleBindings, Roles, ServiceAccounts, createIfMissing, ensureNamespace } from "./kube.js";
import { log, sleep } from "./log.js";
import { agentRequests, httpGetText, parsePrometheus, sumSamples, type AgentRequestCounts, type Sample } from "./metrics.js";
import { freePort, sampleProc, spawnManaged, type ManagedProc, type ProcSample } from "./procs.js";

export const REPO = resolve(import.meta.dirname, "../..");
export const AGENT_BIN = join(REPO, "agent/bin/work-agent.js");

interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** The hub controller's own agent rules, so the benchmark's agents get exactly the Role the hub grants. */
export async function agentHubRules(): Promise<{ rules: PolicyRule[]; source: string }> {
  return { rules: agentRules(), source: "@work-api/hub agentRules()" };
}

/** A kubeconfig file with a bearer token. */
export function writeKubeconfig(path: string, server: string, caPem: string, token: string, namespace: string): string {
  const kc = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "hub", cluster: { server, "certificate-authority-data": Buffer.from(caPem).toString("base64") } }],
    users: [{ name: "agent", user: { token } }],
    contexts: [{ name: "agent", context: { cluster: "hub", user: "agent", namespace } }],
    "current-context": "agent",
  };
  writeFileSync(path, JSON.stringify(kc, null, 2), { mode: 0o600 });
  return path;
}

/**
 * Makes `namespace` on the hub with a ServiceAccount `work-agent`, the agent's
 * Role and RoleBinding, and writes a kubeconfig with a 1 h bound token.
 */
export async function mintAgentKubeconfig(hubAdmin: KubeClient, hub: { server: string; caPem: string }, namespace: string, dir: string): Promise<string> {
  const { rules } = await agentHubRules();
  await ensureNamespace(hubAdmin, namespace, { "bench.work-api/agent": "true" });
  const name = "work-agent";
  await createIfMissing(hubAdmin, ServiceAccounts, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace } });
  await createIfMissing(hubAdmin, Roles, { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name, namespace }, rules });
  await createIfMissing(hubAdmin, RoleBindings, {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name, namespace },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
    subjects: [{ kind: "ServiceAccount", name, namespace }],
  });
  const tr = await hubAdmin.request<{ status?: { token?: string } }>("POST", `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`, {
    body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const token = tr.status?.token;
  if (!token) throw new Error(`TokenRequest for ${namespace}/${name} returned no token`);
  return writeKubeconfig(join(dir, `hub-${namespace}.kubeconfig`), hub.server, hub.caPem, token, namespace);
}

export interface AgentOptions {
  name: string;
  hubKubeconfig: string;
  spokeKubeconfig: string;
  clusterName: string;
  hubNamespace?: string;
  concurrency?: number;
  logDir: string;
  logLevel?: string;
  extraArgs?: string[];
  /** How long to wait for /readyz. Default 90 s. */
  readyTimeoutMs?: number;
}

export interface Agent {
  name: string;
  proc: ManagedProc;
  metricsPort: number;
  healthPort: number;
  args: string[];
  scrape(): Promise<Sample[]>;
  requests(): Promise<AgentRequestCounts>;
  reconciles(): Promise<number>;
  sample(): ProcSample;
  stop(): Promise<void>;
}

/** The command-line flags recorded in the results (paths left out). */
export function agentSettings(o: Pick<AgentOptions, "concurrency" | "logLevel" | "extraArgs">): Record<string, unknown> {
  return { concurrency: o.concurrency ?? 8, logLevel: o.logLevel ?? "info", extraArgs: o.extraArgs ?? [], otherFlags: "defaults (resync-period 10m, lease-duration 40s, force-conflicts true)" };
}

async function waitReady(url: string, proc: ManagedProc, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!proc.alive()) throw new Error(`${what} exited (${String(await proc.exited)}):\n${proc.tail()}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await proc.stop(3_000);
      throw new Error(`${what} not ready after ${Math.round(timeoutMs / 1000)} s:\n${proc.tail()}`);
    }
    await sleep(200);
  }
}

export async function startAgent(o: AgentOptions): Promise<Agent> {
  const metricsPort = await freePort();
  const healthPort = await freePort();
  const args = [
    AGENT_BIN,
    "--hub-kubeconfig", o.hubKubeconfig,
    "--spoke-kubeconfig", o.spokeKubeconfig,
    "--cluster-name", o.clusterName,
    ...(o.hubNamespace ? ["--hub-namespace", o.hubNamespace] : []),
    "--concurrency", String(o.concurrency ?? 8),
    "--metrics-addr", `127.0.0.1:${metricsPort}`,
    "--health-addr", `127.0.0.1:${healthPort}`,
    "--log-level", o.logLevel ?? "info",
    ...(o.extraArgs ?? []),
  ];
  const proc = spawnManaged(`agent ${o.name}`, process.execPath, args, join(o.logDir, `agent-${o.name}.log`));
  await waitReady(`http://127.0.0.1:${healthPort}/readyz`, proc, o.readyTimeoutMs ?? 90_000, `work-agent ${o.name}`);
  const scrape = async (): Promise<Sample[]> => parsePrometheus(await httpGetText(`http://127.0.0.1:${metricsPort}/metrics`));
  return {
    name: o.name,
    proc,
    metricsPort,
    healthPort,
    args: args.slice(1),
    scrape,
    requests: async () => agentRequests(await scrape()),
    reconciles: async () => sumSamples(await scrape(), "controller_runtime_reconcile_total"),
    sample: () => sampleProc(proc.pid),
    async stop(): Promise<void> {
      await proc.stop(35_000);
      if (proc.proc.exitCode !== 0) log(`agent ${o.name} exited with ${String(proc.proc.exitCode ?? proc.proc.signalCode)}`);
    },
  };
}
