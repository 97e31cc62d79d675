/**
 * A plane: several named clusters under one dir, started together and
 * stopped together. Also the operations on a plane dir that another process
 * started (`down`, `status`).
 */
import { existsSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import { findBinaries } from "./binaries.js";
import { startCluster, type RunningCluster } from "./cluster.js";
import { defaultCrdsDir, type Role } from "./crds.js";
import { LocalplaneError } from "./errors.js";
import { validateClusterSpecs, type ClusterSpec } from "./names.js";
import { liveProcesses, readPidFile, stopFromPidFile } from "./pidfile.js";
import { isAlive, terminate } from "./proc.js";
import { DEFAULT_CLUSTERSET } from "./properties.js";
import { clusterNamesIn, clusterPaths, readClusterState, writePlaneState } from "./state.js";

export interface PlaneOptions {
  /** Plane dir (created if missing). */
  dir: string;
  clusters: readonly ClusterSpec[];
  /** Dir with etcd, kube-apiserver, kube-controller-manager. Default: LOCALPLANE_BIN_DIR, then the build cache. */
  binDir?: string;
  /** Dir with the CRD YAML files. Default: LOCALPLANE_CRDS_DIR, then the repository's crds/. */
  crdsDir?: string;
  /** ClusterSet name for the spokes' `clusterset.k8s.io` property (default "localplane"). */
  clusterSet?: string;
  /** Delete each cluster's data first (cold start). */
  clean?: boolean;
  /** Start clusters at the same time (default true). */
  parallel?: boolean;
  /** Per-cluster start budget (default 120 s; 180 s when parallel with 3+ clusters). */
  timeoutMs?: number;
  /** Fake nodes per spoke (kwok + kube-scheduler; default 3, 0 for none). Hubs get none. */
  nodes?: number;
  /** Progress and warnings (default: none). */
  log?: (message: string) => void;
}

export interface Plane {
  dir: string;
  clusters: Map<string, RunningCluster>;
  /** The cluster, or an error naming the ones that exist. */
  cluster(name: string): RunningCluster;
  /** Resolves with a message when any process of any cluster exits unexpectedly. */
  readonly died: Promise<string>;
  /** Stops all clusters (each in reverse start order). remove deletes the plane dir. */
  stop(opts?: { remove?: boolean; graceMs?: number }): Promise<void>;
}

export async function startPlane(opts: PlaneOptions): Promise<Plane> {
  validateClusterSpecs(opts.clusters);
  const dir = resolve(opts.dir);
  const binaries = findBinaries(opts.binDir);
  const crdsDir = resolve(opts.crdsDir ?? defaultCrdsDir());
  if (!existsSync(crdsDir)) opts.log?.(`warning: CRD dir ${crdsDir} does not exist; no CRDs will be installed`);
  const parallel = opts.parallel ?? true;
  const timeoutMs = opts.timeoutMs ?? (parallel && opts.clusters.length >= 3 ? 180_000 : 120_000);

  const started = new Map<string, RunningCluster>();
  const startOne = async (spec: ClusterSpec): Promise<void> => {
    const c = await startCluster({
      dir,
      name: spec.name,
      role: spec.role,
      binaries,
      crdsDir,
      clusterSet: opts.clusterSet ?? DEFAULT_CLUSTERSET,
      clean: opts.clean,
      timeoutMs,
      ...(spec.role === "spoke" && opts.nodes !== undefined ? { nodes: opts.nodes } : {}),
      log: opts.log,
    });
    started.set(spec.name, c);
  };

  try {
    if (parallel) {
      const results = await Promise.allSettled(opts.clusters.map(startOne));
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed.length > 0) throw failed[0]?.reason;
    } else {
      for (const spec of opts.clusters) await startOne(spec);
    }
  } catch (err) {
    await Promise.all([...started.values()].map((c) => c.stop({ graceMs: 3_000 })));
    throw err;
  }

  writePlaneState(dir, { ownerPid: process.pid, clusters: opts.clusters.map((c) => ({ name: c.name, role: c.role })), startedAt: new Date().toISOString() });
  // Keep the order of opts.clusters.
  const clusters = new Map(opts.clusters.map((s) => [s.name, started.get(s.name) as RunningCluster]));
  let stopped: Promise<void> | undefined;
  return {
    dir,
    clusters,
    cluster(name: string): RunningCluster {
      const c = clusters.get(name);
      if (!c) throw new LocalplaneError(`no cluster "${name}" in this plane (have: ${[...clusters.keys()].join(", ")})`);
      return c;
    },
    died: Promise.race([...clusters.values()].map((c) => c.died)),
    async stop(o = {}): Promise<void> {
      stopped ??= (async (): Promise<void> => {
        const all = [...clusters.values()].reverse();
        await Promise.all(all.map((c) => c.stop({ graceMs: o.graceMs })));
      })();
      await stopped;
      if (o.remove) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ClusterStatus {
  name: string;
  role: Role | undefined;
  kubeconfigPath: string;
  server: string | undefined;
  /** True when all its recorded processes are alive. */
  running: boolean;
  processes: { name: string; pid: number; alive: boolean }[];
}

/** What is in a plane dir and what of it runs. */
export function planeStatus(dir: string): ClusterStatus[] {
  const root = resolve(dir);
  return clusterNamesIn(root).map((name) => {
    const paths = clusterPaths(root, name);
    const state = readClusterState(paths);
    const file = readPidFile(paths.pidFile);
    const live = new Set(liveProcesses(file).map((p) => p.pid));
    const processes = (file?.processes ?? []).map((p) => ({ name: p.name, pid: p.pid, alive: live.has(p.pid) }));
    return {
      name,
      role: state?.role,
      kubeconfigPath: paths.kubeconfig,
      server: state?.server,
      running: processes.length > 0 && processes.every((p) => p.alive),
      processes,
    };
  });
}

export interface StopPlaneDirOptions {
  /** Delete the plane dir afterwards. */
  clean?: boolean;
  graceMs?: number;
  log?: (message: string) => void;
}

/**
 * Stops whatever runs from a plane dir, whoever started it. The owning
 * process (e.g. a `localplane up`) is asked first with SIGTERM so it can stop
 * its clusters itself; any process left is then stopped from the pid files.
 * Returns the number of processes found running.
 */
export async function stopPlaneDir(dir: string, opts: StopPlaneDirOptions = {}): Promise<number> {
  const root = resolve(dir);
  const graceMs = opts.graceMs ?? 10_000;
  const names = clusterNamesIn(root);
  let count = 0;
  const owners = new Set<number>();
  for (const name of names) {
    const file = readPidFile(clusterPaths(root, name).pidFile);
    const live = liveProcesses(file);
    count += live.length;
    if (live.length > 0 && file && file.ownerPid > 0 && file.ownerPid !== process.pid && isAlive(file.ownerPid)) owners.add(file.ownerPid);
  }
  for (const owner of owners) {
    opts.log?.(`asking pid ${owner} (the process that started the plane) to stop it`);
    await terminate(owner, graceMs + 20_000, { group: false });
  }
  for (const name of names) {
    const stopped = await stopFromPidFile(clusterPaths(root, name).pidFile, graceMs);
    for (const p of stopped) opts.log?.(`${name}: stopped ${p.name} (pid ${p.pid})`);
  }
  if (opts.clean) rmSync(root, { recursive: true, force: true });
  return count;
}
