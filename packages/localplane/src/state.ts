/**
 * On-disk layout of a plane and the small state file of each cluster.
 *
 *   <dir>/plane.json                 owner pid + cluster list of the last start
 *   <dir>/<name>/cluster.json        role, ports, server of the last start
 *   <dir>/<name>/pids.json           live processes (see pidfile.ts)
 *   <dir>/<name>/kubeconfig          admin kubeconfig (context = name)
 *   <dir>/<name>/etcd/               etcd data
 *   <dir>/<name>/pki/                keys, tokens, serving cert (see pki.ts)
 *   <dir>/<name>/controller-manager/ its kubeconfig and cert dir
 *   <dir>/<name>/logs/*.log          one log per process
 */
import { existsSync, readFileSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Role } from "./crds.js";

export interface ClusterPaths {
  root: string;
  etcdDir: string;
  pkiDir: string;
  kcmDir: string;
  logDir: string;
  kubeconfig: string;
  pidFile: string;
  stateFile: string;
}

export function clusterPaths(dir: string, name: string): ClusterPaths {
  const root = join(dir, name);
  return {
    root,
    etcdDir: join(root, "etcd"),
    pkiDir: join(root, "pki"),
    kcmDir: join(root, "controller-manager"),
    logDir: join(root, "logs"),
    kubeconfig: join(root, "kubeconfig"),
    pidFile: join(root, "pids.json"),
    stateFile: join(root, "cluster.json"),
  };
}

export interface ClusterState {
  name: string;
  role: Role;
  ports: { etcdClient: number; etcdPeer: number; apiserver: number; controllerManager: number; scheduler?: number; kwok?: number };
  server: string;
  startedAt: string;
}

export interface PlaneState {
  ownerPid: number;
  clusters: { name: string; role: Role }[];
  startedAt: string;
}

function writeJson(path: string, data: unknown): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(data, null, 2) + "\n");
  renameSync(tmp, path);
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch {
    return undefined;
  }
}

export const readClusterState = (paths: ClusterPaths): ClusterState | undefined => readJson<ClusterState>(paths.stateFile);
export const writeClusterState = (paths: ClusterPaths, s: ClusterState): void => writeJson(paths.stateFile, s);
export const readPlaneState = (dir: string): PlaneState | undefined => readJson<PlaneState>(join(dir, "plane.json"));
export const writePlaneState = (dir: string, s: PlaneState): void => writeJson(join(dir, "plane.json"), s);

/** Names of the cluster dirs under a plane dir (those with a cluster.json or pids.json). */
export function clusterNamesIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .filter((n) => existsSync(join(dir, n, "cluster.json")) || existsSync(join(dir, n, "pids.json")))
    .sort();
}

/** Has this cluster dir been started before (etcd data and keys present)? */
export function hasData(paths: ClusterPaths): boolean {
  return existsSync(join(paths.etcdDir, "member")) && existsSync(join(paths.pkiDir, "sa.key")) && existsSync(join(paths.pkiDir, "tokens.csv"));
}
