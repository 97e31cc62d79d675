/**
 * kube-scheduler for one spoke (from the same multi-call binary as the API
 * server): binds pods to the cluster's fake kwok nodes. Leader election off,
 * its secure port on loopback; it uses the controller manager's identity
 * (system:masters), so it needs no RBAC bootstrap of its own.
 */
import { join } from "node:path";
import { LOOPBACK } from "./ports.js";
import { spawnLogged, type ManagedProcess } from "./spawn.js";

export interface SchedulerConfig {
  kubeconfigPath: string;
  port: number;
  certDir: string;
  extraArgs?: string[];
}

export function schedulerArgs(c: SchedulerConfig): string[] {
  return [
    `--kubeconfig=${c.kubeconfigPath}`,
    `--authentication-kubeconfig=${c.kubeconfigPath}`,
    `--authorization-kubeconfig=${c.kubeconfigPath}`,
    `--leader-elect=false`,
    `--bind-address=${LOOPBACK}`,
    `--secure-port=${c.port}`,
    `--cert-dir=${c.certDir}`,
    `--profiling=false`,
    ...(c.extraArgs ?? []),
  ];
}

export interface StartSchedulerOptions extends SchedulerConfig {
  exe: string;
  logDir: string;
  marker: string;
}

/** Starts the scheduler; it is ready when pods get bound (judged by kwok's nodes, see cluster.ts). */
export function startScheduler(o: StartSchedulerOptions): Promise<ManagedProcess> {
  return spawnLogged({ name: "kube-scheduler", exe: o.exe, args: schedulerArgs(o), logPath: join(o.logDir, "kube-scheduler.log"), marker: o.marker });
}
