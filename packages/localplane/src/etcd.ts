/**
 * etcd for one cluster: single member, client and peer URLs on free loopback
 * ports (so several coexist), data in `<cluster>/etcd`.
 */
import { join } from "node:path";
import { httpGet, waitHealthy } from "./health.js";
import { LOOPBACK } from "./ports.js";
import { spawnLogged, type ManagedProcess } from "./spawn.js";

export interface EtcdConfig {
  name: string;
  dataDir: string;
  clientPort: number;
  peerPort: number;
  /** Skip fsync (default): much faster on a laptop, fine for throwaway test data. */
  unsafeNoFsync: boolean;
}

export function etcdArgs(c: EtcdConfig): string[] {
  const client = `http://${LOOPBACK}:${c.clientPort}`;
  const peer = `http://${LOOPBACK}:${c.peerPort}`;
  return [
    `--name=${c.name}`,
    `--data-dir=${c.dataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=${c.name}=${peer}`,
    `--initial-cluster-state=new`,
    `--initial-cluster-token=localplane-${c.name}`,
    `--unsafe-no-fsync=${String(c.unsafeNoFsync)}`,
    `--log-level=warn`,
  ];
}

export function etcdUrl(clientPort: number): string {
  return `http://${LOOPBACK}:${clientPort}`;
}

export interface StartEtcdOptions extends EtcdConfig {
  exe: string;
  logDir: string;
  marker: string;
  timeoutMs: number;
  /** Called right after the process started, before waiting for health. */
  onSpawn?: (proc: ManagedProcess) => void;
}

export async function startEtcd(o: StartEtcdOptions): Promise<ManagedProcess> {
  const proc = await spawnLogged({
    name: "etcd",
    exe: o.exe,
    args: etcdArgs(o),
    logPath: join(o.logDir, "etcd.log"),
    marker: o.marker,
  });
  o.onSpawn?.(proc);
  try {
    await waitHealthy({
      proc,
      what: "etcd /health",
      timeoutMs: o.timeoutMs,
      check: async () => {
        const r = await httpGet(`${etcdUrl(o.clientPort)}/health`, { timeoutMs: 2_000 });
        return r.status === 200 && r.body.includes('"health":"true"');
      },
    });
  } catch (err) {
    await proc.stop(2_000);
    throw err;
  }
  return proc;
}
