/**
 * kube-apiserver for one cluster: TLS on a free loopback port with a
 * self-generated serving certificate (--cert-dir), RBAC, static-token admin,
 * service-account issuer and keys.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { httpGet, waitHealthy } from "./health.js";
import { caFromBundle, type Pki } from "./pki.js";
import { LOOPBACK } from "./ports.js";
import { spawnLogged, type ManagedProcess } from "./spawn.js";

export const SERVICE_ACCOUNT_ISSUER = "https://kubernetes.default.svc.cluster.local";
export const DEFAULT_SERVICE_CIDR = "10.96.0.0/16";

export interface ApiserverConfig {
  port: number;
  etcdUrl: string;
  pki: Pki;
  serviceCidr: string;
  /** Extra flags, appended last (they win). */
  extraArgs?: string[];
}

export function apiserverArgs(c: ApiserverConfig): string[] {
  return [
    `--bind-address=${LOOPBACK}`,
    `--advertise-address=${LOOPBACK}`,
    `--secure-port=${c.port}`,
    `--cert-dir=${c.pki.servingDir}`,
    `--etcd-servers=${c.etcdUrl}`,
    `--authorization-mode=RBAC`,
    `--token-auth-file=${c.pki.tokensCsv}`,
    `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
    `--service-account-key-file=${c.pki.saPub}`,
    `--service-account-signing-key-file=${c.pki.saKey}`,
    `--service-cluster-ip-range=${c.serviceCidr}`,
    // No kubelets: nothing to proxy, and the loopback address cannot be an
    // endpoint of the `kubernetes` Service, so do not try to publish it.
    `--endpoint-reconciler-type=none`,
    `--allow-privileged=true`,
    // Fake nodes have no node-lifecycle controller to lift the not-ready taint this plugin puts on new Nodes.
    `--disable-admission-plugins=TaintNodesByCondition`,
    `--profiling=false`,
    ...(c.extraArgs ?? []),
  ];
}

export function apiserverUrl(port: number): string {
  return `https://${LOOPBACK}:${port}`;
}

export interface StartApiserverOptions extends ApiserverConfig {
  exe: string;
  logDir: string;
  marker: string;
  timeoutMs: number;
  /** Called right after the process started, before waiting for health. */
  onSpawn?: (proc: ManagedProcess) => void;
}

export interface RunningApiserver {
  proc: ManagedProcess;
  url: string;
  /** PEM of the serving CA (also written to pki.caFile). */
  caPem: string;
}

function readCa(pki: Pki): string | undefined {
  if (!existsSync(pki.servingCert)) return undefined;
  const ca = caFromBundle(readFileSync(pki.servingCert, "utf8"));
  return ca === "" ? undefined : ca;
}

/** Starts kube-apiserver and waits until /readyz answers ok over verified TLS. */
export async function startApiserver(o: StartApiserverOptions): Promise<RunningApiserver> {
  const proc = await spawnLogged({
    name: "kube-apiserver",
    exe: o.exe,
    args: apiserverArgs(o),
    logPath: join(o.logDir, "kube-apiserver.log"),
    marker: o.marker,
  });
  o.onSpawn?.(proc);
  const url = apiserverUrl(o.port);
  let caPem: string | undefined;
  try {
    await waitHealthy({
      proc,
      what: "kube-apiserver /readyz",
      timeoutMs: o.timeoutMs,
      intervalMs: 200,
      check: async () => {
        // The certificate is written during start-up on a cold start.
        caPem ??= readCa(o.pki);
        if (caPem === undefined) return false;
        const r = await httpGet(`${url}/readyz`, { ca: caPem, token: o.pki.adminToken, timeoutMs: 5_000 });
        return r.status === 200 && r.body.trim() === "ok";
      },
    });
  } catch (err) {
    await proc.stop(2_000);
    throw err;
  }
  const ca = caPem ?? "";
  writeFileSync(o.pki.caFile, ca);
  return { proc, url, caPem: ca };
}
