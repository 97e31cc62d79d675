/**
 * The set-up shared by the single-agent benchmarks: a hub namespace with
 * least-privilege agent credentials, a `work-agent` process against one
 * spoke, a WorkTracker on the hub, a separate client for creating Works (so
 * its own requests are known), request snapshots before/after a phase, and
 * the idle window.
 */
import { WorkResource, type Work } from "@work-api/api";
import type { KubeClient } from "@work-api/runtime";
import { mintAgentKubeconfig, startAgent, type Agent } from "./agents.js";
import type { BenchContext, Efficiency, Idle, ProcFootprint } from "./context.js";
import { clientFor, createIfMissing, ensureNamespace, pool, withRetry, WorkTracker } from "./kube.js";
import { log, sleep } from "./log.js";
import {
  diffAgentRequests,
  diffCounts,
  scrapeRequests,
  subtract,
  summarizeCounts,
  WRITE_VERBS,
  type AgentRequestCounts,
  type RequestCounts,
} from "./metrics.js";
import type { BenchCluster } from "./plane.js";
import { round } from "./stats.js";

export interface Scenario {
  hubNamespace: string;
  spoke: BenchCluster;
  agent: Agent;
  tracker: WorkTracker;
  /** Only used to create Works: its POSTs are subtracted from the hub's counts. */
  creator: KubeClient;
  stop(): Promise<void>;
}

export async function startScenario(
  ctx: BenchContext,
  o: { name: string; hubNamespace: string; spoke: BenchCluster; spokeNamespaces: string[]; concurrency?: number; extraArgs?: string[] },
): Promise<Scenario> {
  const hub = ctx.plane.hub;
  for (const ns of o.spokeNamespaces) await ensureNamespace(o.spoke.admin, ns);
  const kubeconfig = await mintAgentKubeconfig(hub.admin, hub.target, o.hubNamespace, ctx.dir);
  const agent = await startAgent({
    name: o.name,
    hubKubeconfig: kubeconfig,
    spokeKubeconfig: o.spoke.kubeconfig,
    clusterName: o.hubNamespace,
    logDir: ctx.logDir,
    ...(o.concurrency !== undefined ? { concurrency: o.concurrency } : {}),
    ...(o.extraArgs ? { extraArgs: o.extraArgs } : {}),
  });
  const tracker = new WorkTracker(hub.admin, { namespace: o.hubNamespace });
  await tracker.start();
  const creator = clientFor(hub.kubeconfig, "work-bench-creator/0.1.0");
  log(`${o.name}: agent pid ${agent.proc.pid} ready (hub namespace ${o.hubNamespace}, spoke ${o.spoke.name}, ${agent.args.join(" ").replace(/\S+\.kubeconfig/g, "…")})`);
  return {
    hubNamespace: o.hubNamespace,
    spoke: o.spoke,
    agent,
    tracker,
    creator,
    async stop(): Promise<void> {
      await tracker.stop();
      creator.close();
      await agent.stop();
    },
  };
}

export interface Snapshot {
  hub: RequestCounts;
  spoke: RequestCounts;
  agent: AgentRequestCounts;
  creatorPosts: number;
}

export async function snapshot(ctx: BenchContext, sc: Scenario): Promise<Snapshot> {
  const [hub, spoke, agent] = await Promise.all([scrapeRequests(ctx.plane.hub.target), scrapeRequests(sc.spoke.target), sc.agent.requests()]);
  return { hub, spoke, agent, creatorPosts: sc.creator.stats().POST };
}


export function efficiency(before: Snapshot, after: Snapshot, works: number, manifestsPerWork: number, ownHub: Record<string, number> = {}): Efficiency {
  // /metrics scrapes are not counted in apiserver_request_total; the Work creates are.
  const own = { "POST multicluster.x-k8s.io/works": after.creatorPosts - before.creatorPosts, ...ownHub };
  const hub = summarizeCounts(subtract(diffCounts(before.hub, after.hub), own));
  const spoke = summarizeCounts(diffCounts(before.spoke, after.spoke));
  const per = (x: number): number => round(x / Math.max(1, works), 2);
  let appliedWorkWrites = 0;
  for (const [k, v] of Object.entries(spoke.byKey)) {
    if (WRITE_VERBS.has(k.slice(0, k.indexOf(" "))) && k.includes("multicluster.x-k8s.io/appliedworks")) appliedWorkWrites += v;
  }
  const controllerWrites = spoke.writes - spoke.applies - appliedWorkWrites;
  const otherWrites = hub.writes + appliedWorkWrites;
  const agentClient = diffAgentRequests(before.agent, after.agent);
  const reads = ["hub", "spoke"].reduce((a, c) => a + (agentClient[c]?.GET ?? 0) + (agentClient[c]?.LIST ?? 0), 0);
  // Failed writes of the agent only: the controller manager's conflicts on the spoke are its own business.
  let failedWrites = 0;
  for (const [side, agentOnly] of [[hub, false], [spoke, true]] as const) {
    for (const [k, v] of Object.entries(side.byKey)) {
      const verb = k.slice(0, k.indexOf(" "));
      if (!WRITE_VERBS.has(verb) || !k.endsWith("]") || k.includes("coordination.k8s.io/leases")) continue;
      if (!agentOnly || verb === "APPLY" || k.includes("multicluster.x-k8s.io/appliedworks")) failedWrites += v;
    }
  }
  return {
    works,
    manifestsPerWork,
    hub,
    spoke,
    perWork: {
      spokeApplies: per(spoke.applies),
      spokeAppliedWorkWrites: per(appliedWorkWrites),
      hubWrites: per(hub.writes),
      otherWrites: per(otherWrites),
      reads: per(reads),
      serverReads: per(hub.reads + spoke.reads),
      failedWrites: per(failedWrites),
      total: per(spoke.applies + otherWrites + reads),
      nonApply: per(otherWrites + reads),
      controllerWrites: per(controllerWrites),
    },
    ssaPerManifest: round(spoke.applies / Math.max(1, works * manifestsPerWork), 3),
    agentClient,
    subtracted: { hub: own, spoke: {} },
  };
}

/**
 * After convergence: wait `settleSeconds`, then count every request to hub
 * and spoke and the agent's CPU over `idleSeconds`.
 */
export async function idleWindow(ctx: BenchContext, sc: Scenario): Promise<{ idle: Idle; footprint: ProcFootprint }> {
  await sleep(ctx.sizes.settleSeconds * 1000);
  const before = await snapshot(ctx, sc);
  const r0 = await sc.agent.reconciles();
  const p0 = sc.agent.sample();
  log(`idle window: ${ctx.sizes.idleSeconds} s`);
  await sleep(ctx.sizes.idleSeconds * 1000);
  const p1 = sc.agent.sample();
  const after = await snapshot(ctx, sc);
  const r1 = await sc.agent.reconciles();
  const seconds = (p1.at - p0.at) / 1000;
  const idle: Idle = {
    seconds: round(seconds, 1),
    hub: summarizeCounts(diffCounts(before.hub, after.hub)),
    spoke: summarizeCounts(diffCounts(before.spoke, after.spoke)),
    agentClient: diffAgentRequests(before.agent, after.agent),
    agentReconciles: r1 - r0,
  };
  const footprint: ProcFootprint = { rssMiB: round(p1.rssMiB, 1), hwmMiB: round(p1.hwmMiB, 1), cpuSeconds: round(p1.cpuSeconds - p0.cpuSeconds, 2), idleSeconds: round(seconds, 1) };
  log(`idle: hub writes ${idle.hub.writes} (+${idle.hub.leaseWrites} lease), reads ${idle.hub.reads}; spoke writes ${idle.spoke.writes} (+${idle.spoke.leaseWrites} lease), reads ${idle.spoke.reads}; agent RSS ${footprint.rssMiB} MiB, CPU ${footprint.cpuSeconds} s`);
  return { idle, footprint };
}

/** Creates Works with `concurrency` parallel requests; returns monotonic ms of the first send and the last answer. */
export async function createWorks(client: KubeClient, works: readonly Work[], concurrency: number): Promise<{ firstSent: number; lastDone: number }> {
  let firstSent = Infinity;
  let lastDone = 0;
  await pool(works, concurrency, async (w) => {
    firstSent = Math.min(firstSent, performance.now());
    await withRetry(() => createIfMissing(client, WorkResource, w));
    lastDone = Math.max(lastDone, performance.now());
  });
  return { firstSent, lastDone };
}
