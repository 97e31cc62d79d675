/**
 * The run's own local control planes (packages/localplane) in a temp dir:
 * one hub and N spokes, their admin clients and /metrics targets, and the
 * pids to check for leaks at the end.
 */
import { startPlane, type Plane, type RunningCluster } from "@work-api/localplane";
import type { KubeClient } from "@work-api/runtime";
import { clientFor } from "./kube.js";
import { log } from "./log.js";
import type { MetricsTarget } from "./metrics.js";

export interface BenchCluster {
  name: string;
  cluster: RunningCluster;
  kubeconfig: string;
  admin: KubeClient;
  target: MetricsTarget;
  /** Pids of etcd, kube-apiserver, kube-controller-manager. */
  pids: Record<string, number>;
}

export interface BenchPlane {
  dir: string;
  plane: Plane;
  hub: BenchCluster;
  spokes: BenchCluster[];
  all(): BenchCluster[];
  /** "cluster/process" -> pid of every plane process, plus this runner as "bench". */
  pids(): Record<string, number>;
  stop(): Promise<void>;
}

function wrap(c: RunningCluster): BenchCluster {
  return {
    name: c.name,
    cluster: c,
    kubeconfig: c.kubeconfigPath,
    admin: clientFor(c.kubeconfigPath),
    target: { name: c.name, server: c.server, caPem: c.caPem, token: c.adminToken },
    pids: Object.fromEntries(c.processes.map((p) => [p.name, p.pid])),
  };
}

/** Every plane process any plane of this run started ("plane/cluster/process" -> pid), for the leak check. */
export const planeProcesses: Record<string, number> = {};
/** Stop functions of extra planes still running (a signal handler stops them). */
export const extraPlanes = new Set<() => Promise<void>>();

/** Starts spoke-only clusters in their own dir (the fleet's fresh spokes); stop() stops them. */
export async function startSpokes(dir: string, names: string[]): Promise<{ spokes: BenchCluster[]; stop: () => Promise<void> }> {
  log(`starting ${names.length} more spokes in ${dir}: ${names.join(", ")}`);
  const plane = await startPlane({ dir, clusters: names.map((name) => ({ name, role: "spoke" as const })), clean: true, timeoutMs: 240_000 });
  const spokes = names.map((n) => wrap(plane.cluster(n)));
  for (const c of spokes) for (const [p, pid] of Object.entries(c.pids)) planeProcesses[`${dir}/${c.name}/${p}`] = pid;
  const stop = async (): Promise<void> => {
    extraPlanes.delete(stop);
    for (const c of spokes) c.admin.close();
    await plane.stop({ graceMs: 10_000 });
  };
  extraPlanes.add(stop);
  return { spokes, stop };
}

export async function startBenchPlane(dir: string, spokes: number): Promise<BenchPlane> {
  const clusters = [{ name: "hub", role: "hub" as const }, ...Array.from({ length: spokes }, (_, i) => ({ name: `spoke${i + 1}`, role: "spoke" as const }))];
  log(`starting local plane in ${dir}: ${clusters.map((c) => c.name).join(", ")}`);
  const t0 = performance.now();
  const plane = await startPlane({ dir, clusters, clean: true, timeoutMs: 240_000, log: (m) => log(`plane: ${m}`) });
  log(`plane ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const hub = wrap(plane.cluster("hub"));
  const sp = clusters.slice(1).map((c) => wrap(plane.cluster(c.name)));
  for (const c of [hub, ...sp]) for (const [p, pid] of Object.entries(c.pids)) planeProcesses[`${dir}/${c.name}/${p}`] = pid;
  let stopped: Promise<void> | undefined;
  return {
    dir,
    plane,
    hub,
    spokes: sp,
    all: () => [hub, ...sp],
    pids: () => {
      const out: Record<string, number> = { bench: process.pid };
      for (const c of [hub, ...sp]) for (const [p, pid] of Object.entries(c.pids)) out[`${c.name}/${p}`] = pid;
      return out;
    },
    stop: () =>
      (stopped ??= (async (): Promise<void> => {
        for (const c of [hub, ...sp]) c.admin.close();
        await plane.stop({ graceMs: 10_000 });
      })()),
  };
}
