/**
 * 7. Fleet scale: one hub controller, C clusters registered as
 * ClusterProfiles, an agent per cluster with the kubeconfig the hub minted,
 * the agents spread over the spoke API servers; W Works per cluster from
 * WorkPlacements; time until all C x W are Applied on the hub.
 *
 * A WorkPlacement writes the same template to every cluster it selects, and
 * agents that share a spoke API server must not apply the same objects (they
 * would take them from each other forever). So clusters are grouped in
 * "lanes" of one cluster per spoke API server (label bench.work-api/lane),
 * and each of the W Work slots is one WorkPlacement per lane whose objects
 * live in that lane's namespace: W x C/S placements, each selecting S
 * clusters (with one spoke API server per cluster this is W placements
 * selecting every cluster).
 */
import { CLUSTERSET_LABEL, ClusterProfileResource, PLACEMENT_NAME_LABEL, WorkPlacementResource, type KubeObject, type WorkPlacement } from "@work-api/api";
import { AGENT_KUBECONFIG_KEY, AGENT_KUBECONFIG_SECRET } from "@work-api/api";
import { startAgent, type Agent } from "./lib/agents.js";
import type { BenchContext, FleetResult } from "./lib/context.js";
import { clusterProfile, waitRegistered } from "./footprint.js";
import { startCpuAccount } from "./lib/cpu.js";
import { hubUnavailable, startHubProcess } from "./lib/hubproc.js";
import { Secrets, WorkTracker, createIfMissing, ensureNamespace, pool, withRetry } from "./lib/kube.js";
import { log, NotRunError, now } from "./lib/log.js";
import { configMap } from "./lib/objects.js";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startSpokes, type BenchCluster } from "./lib/plane.js";
import { stopAllManaged } from "./lib/procs.js";
import { round } from "./lib/stats.js";
import { diffCounts, scrapeRequests, summarizeCounts } from "./lib/metrics.js";

const WRITES = new Set(["POST", "PUT", "PATCH", "APPLY", "DELETE", "DELETECOLLECTION"]);

export const FLEET_INVENTORY = "bench-fleet";
export const LANE_LABEL = "bench.work-api/lane";
/** work-hub --concurrency of the fleet run (BENCH_HUB_CONCURRENCY, default the hub's own default 4). */
const HUB_CONCURRENCY = Number(process.env.BENCH_HUB_CONCURRENCY ?? 4);

export async function runFleet(ctx: BenchContext): Promise<FleetResult> {
  const why = hubUnavailable();
  if (why) throw new NotRunError(why);
  const s = ctx.sizes;
  // Fresh spokes: the main spoke holds tens of thousands of ConfigMaps from the other benchmarks by now.
  const fleetPlane = await startSpokes(join(ctx.dir, "fleet-plane"), Array.from({ length: s.fleetSpokes }, (_, i) => `fleet-spoke${i + 1}`));
  try {
    return await fleetOn(ctx, fleetPlane.spokes, fleetPlane.spokes.flatMap((c) => Object.entries(c.pids).map(([p, pid]) => [`${c.name}/${p}`, pid] as [string, number])));
  } finally {
    await stopAllManaged(10_000);
    await fleetPlane.stop();
  }
}

async function fleetOn(ctx: BenchContext, spokes: BenchCluster[], spokePids: [string, number][]): Promise<FleetResult> {
  const s = ctx.sizes;
  const hub = ctx.plane.hub;
  const S = spokes.length;
  const C = s.fleetClusters - (s.fleetClusters % S);
  const L = C / S;
  const W = s.fleetWorksPerCluster;
  const inv = FLEET_INVENTORY;
  const pad = String(C - 1).length;
  const clusters = Array.from({ length: C }, (_, i) => ({ name: `fleet-c${String(i).padStart(pad, "0")}`, spoke: spokes[i % S]!, lane: Math.floor(i / S) }));
  const laneNs = (k: number): string => `fleet-l${k}`;

  await ensureNamespace(hub.admin, inv, { [CLUSTERSET_LABEL]: "bench-fleet" });
  for (const sp of spokes) for (let k = 0; k < L; k++) await ensureNamespace(sp.admin, laneNs(k));
  const hubProc = await startHubProcess({ kubeconfig: hub.kubeconfig, inventoryNamespace: inv, logDir: ctx.logDir, name: "fleet", concurrency: HUB_CONCURRENCY });
  const agents: Agent[] = [];
  const tracker = new WorkTracker(hub.admin, { labelSelector: PLACEMENT_NAME_LABEL });
  try {
    const t0 = now();
    await pool(clusters, s.createConcurrency, (c) => withRetry(() => createIfMissing(hub.admin, ClusterProfileResource, clusterProfile(c.name, inv, { [LANE_LABEL]: String(c.lane) }))));
    await waitRegistered(ctx, clusters.map((c) => c.name), 20 * 60_000);
    const registerSeconds = (now() - t0) / 1000;
    log(`fleet: ${C} clusters registered in ${registerSeconds.toFixed(1)} s`);

    // An idle agent is ~125-160 MiB RSS: do not push the machine into the OOM killer.
    const availMiB = Number(/^MemAvailable:\s+(\d+) kB/m.exec(readFileSync("/proc/meminfo", "utf8"))?.[1] ?? 0) / 1024;
    if (availMiB < C * 170 + 2048) throw new NotRunError(`${C} agents need about ${C * 170 + 2048} MiB of memory; ${Math.round(availMiB)} MiB available`);
    const t1 = now();
    await pool(clusters, 4, async (c) => {
      const secret = await hub.admin.get<KubeObject & { data?: Record<string, string> }>(Secrets, AGENT_KUBECONFIG_SECRET, { namespace: c.name });
      const path = join(ctx.dir, `fleet-${c.name}.kubeconfig`);
      writeFileSync(path, Buffer.from(secret.data?.[AGENT_KUBECONFIG_KEY] ?? "", "base64"), { mode: 0o600 });
      agents.push(await startAgent({ name: c.name, hubKubeconfig: path, spokeKubeconfig: c.spoke.kubeconfig, clusterName: c.name, logDir: ctx.logDir, readyTimeoutMs: 180_000 }));
    });
    const agentsStartSeconds = (now() - t1) / 1000;
    log(`fleet: ${agents.length} agents ready in ${agentsStartSeconds.toFixed(1)} s (${S} spoke API servers)`);

    await tracker.start();
    const placements: WorkPlacement[] = [];
    for (let j = 0; j < W; j++) {
      for (let k = 0; k < L; k++) {
        const name = `fleet-w${j}-l${k}`;
        placements.push({
          apiVersion: "multicluster.x-k8s.io/v1alpha1",
          kind: "WorkPlacement",
          metadata: { name, namespace: inv },
          spec: {
            clusterSelector: { matchLabels: { [LANE_LABEL]: String(k) } },
            workTemplate: { spec: { workload: { manifests: Array.from({ length: s.fleetManifests }, (_, m) => configMap(laneNs(k), `w${j}-${m}`)) } } },
          },
        });
      }
    }
    const total = C * W;
    const requestsBefore = await scrapeRequests(hub.target);
    const account = startCpuAccount({ ...ctx.plane.pids(), ...Object.fromEntries(spokePids), "work-hub": hubProc.proc.pid, ...Object.fromEntries(agents.map((a) => [`agents/${a.name}`, a.proc.pid])) });
    let firstSent = Infinity;
    await pool(placements, s.createConcurrency, async (p) => {
      firstSent = Math.min(firstSent, now());
      await withRetry(() => createIfMissing(hub.admin, WorkPlacementResource, p));
    });
    log(`fleet: ${placements.length} WorkPlacements created; waiting for ${total} Works`);
    await tracker.waitApplied(total, 30 * 60_000, "fleet");
    const cpu = account();
    // Each Work's first sighting in the watch: the last of them is when the fan-out was complete.
    const fanOutAt = Math.max(...tracker.seenAt.values());
    const appliedSeconds = (Math.max(...tracker.appliedAt.values()) - firstSent) / 1000;
    // Every client's requests to the hub API server meanwhile (work-hub, the agents, the bench's placement creates).
    const hubRequests = summarizeCounts(diffCounts(requestsBefore, await scrapeRequests(hub.target)));
    const topWrites = Object.entries(hubRequests.byKey).filter(([k]) => WRITES.has(k.slice(0, k.indexOf(" ")))).slice(0, 8);
    const hubSample = hubProc.sample();
    const rss = agents.map((a) => a.sample().rssMiB);
    const r: FleetResult = {
      kind: "fleet",
      clusters: C,
      spokes: S,
      worksPerCluster: W,
      manifestsPerWork: s.fleetManifests,
      placements: placements.length,
      clustersPerPlacement: S,
      registerSeconds: round(registerSeconds, 1),
      agentsStartSeconds: round(agentsStartSeconds, 1),
      fanOutSeconds: round((fanOutAt - firstSent) / 1000, 1),
      appliedSeconds: round(appliedSeconds, 1),
      works: total,
      worksPerSecond: round(total / appliedSeconds, 1),
      hubRssMiB: round(hubSample.rssMiB, 1),
      agentRssMiB: { total: round(rss.reduce((a, b) => a + b, 0), 0), mean: round(rss.reduce((a, b) => a + b, 0) / rss.length, 1), max: round(Math.max(...rss), 1) },
      hubConcurrency: HUB_CONCURRENCY,
      placementWriteConcurrency: Number(process.env.WORK_HUB_PLACEMENT_WRITE_CONCURRENCY ?? 16),
      cpu,
      hubApiWrites: { total: hubRequests.writes, perWork: round(hubRequests.writes / total, 2), perSecond: round(hubRequests.writes / Math.max(0.001, appliedSeconds), 1), top: Object.fromEntries(topWrites) },
    };
    log(`fleet: ${total} Works Applied ${r.appliedSeconds} s after the first WorkPlacement (all Works existed after ${r.fanOutSeconds} s)`);
    log(`fleet: hub API server writes meanwhile: ${hubRequests.writes} (${r.hubApiWrites!.perWork} per Work, ${r.hubApiWrites!.perSecond}/s); top: ${JSON.stringify(r.hubApiWrites!.top)}`);
    return r;
  } finally {
    await tracker.stop();
    await pool(agents, 16, (a) => a.stop());
    await hubProc.stop();
  }
}
