/**
 * kube-controller-manager for one cluster: the controllers that make
 * workload status and garbage collection real, leader election off. Pods are
 * scheduled by kube-scheduler onto kwok's fake nodes (see kwok.ts); without
 * nodes (`nodes: 0`) they stay Pending.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildKubeconfig } from "./kubeconfig.js";
import type { Pki } from "./pki.js";
import { CONTROLLER_MANAGER_USER } from "./pki.js";
import { LOOPBACK } from "./ports.js";
import { spawnLogged, type ManagedProcess } from "./spawn.js";

export const CONTROLLERS = [
  "garbage-collector-controller",
  "namespace-controller",
  "serviceaccount-controller",
  "serviceaccount-token-controller",
  "root-ca-certificate-publisher-controller",
  "deployment-controller",
  "replicaset-controller",
  "job-controller",
  "cronjob-controller",
  "ttl-after-finished-controller",
  "statefulset-controller",
  "daemonset-controller",
  "disruption-controller",
  "resourcequota-controller",
  "endpointslice-controller",
  "clusterrole-aggregation-controller",
] as const;

export interface ControllerManagerConfig {
  kubeconfigPath: string;
  pki: Pki;
  port: number;
  certDir: string;
  extraArgs?: string[];
}

export function controllerManagerArgs(c: ControllerManagerConfig): string[] {
  return [
    `--kubeconfig=${c.kubeconfigPath}`,
    `--authentication-kubeconfig=${c.kubeconfigPath}`,
    `--authorization-kubeconfig=${c.kubeconfigPath}`,
    `--leader-elect=false`,
    `--controllers=${CONTROLLERS.join(",")}`,
    `--service-account-private-key-file=${c.pki.saKey}`,
    `--root-ca-file=${c.pki.caFile}`,
    `--use-service-account-credentials=false`,
    `--bind-address=${LOOPBACK}`,
    `--secure-port=${c.port}`,
    `--cert-dir=${c.certDir}`,
    `--profiling=false`,
    ...(c.extraArgs ?? []),
  ];
}

export interface StartControllerManagerOptions extends ControllerManagerConfig {
  exe: string;
  logDir: string;
  marker: string;
  server: string;
  clusterName: string;
  caPem: string;
}

/**
 * Writes the controller manager's own kubeconfig and starts it. Readiness
 * is judged by its effects (see cluster.ts), not by its health port.
 */
export async function startControllerManager(o: StartControllerManagerOptions): Promise<ManagedProcess> {
  writeFileSync(
    o.kubeconfigPath,
    buildKubeconfig({ name: o.clusterName, server: o.server, caPem: o.caPem, token: o.pki.controllerManagerToken, user: CONTROLLER_MANAGER_USER }),
    { mode: 0o600 },
  );
  return spawnLogged({
    name: "kube-controller-manager",
    exe: o.exe,
    args: controllerManagerArgs(o),
    logPath: join(o.logDir, "kube-controller-manager.log"),
    marker: o.marker,
  });
}
