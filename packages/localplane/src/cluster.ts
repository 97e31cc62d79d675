/**
 * One cluster: etcd, kube-apiserver, kube-controller-manager and, for a
 * cluster with fake nodes, kube-scheduler and kwok, started in that order and
 * stopped in reverse; CRDs for its role; the About API properties on spokes;
 * the fake nodes, Ready before the cluster counts as started. Data in `<dir>/<name>` is reused (warm start) unless
 * `clean` is set.
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { DEFAULT_SERVICE_CIDR, startApiserver } from "./apiserver.js";
import type { Binaries } from "./binaries.js";
import { startControllerManager } from "./controller-manager.js";
import { ensureNodes, kwokHealthy, nodesReady, startKwok } from "./kwok.js";
import { startScheduler } from "./scheduler.js";
import { crdFilesForRole, installCrds, type Role } from "./crds.js";
import { defaultHubPolicyFile, installHubPolicies } from "./policies.js";
import { LocalplaneError, ProcessStartError, UsageError } from "./errors.js";
import { etcdUrl, startEtcd } from "./etcd.js";
import { waitHealthy } from "./health.js";
import { buildKubeconfig } from "./kubeconfig.js";
import { validateClusterName } from "./names.js";
import { ensurePki } from "./pki.js";
import { ownedByOtherLiveProcess, readPidFile, removePidFile, stopFromPidFile, writePidFile } from "./pidfile.js";
import { freePorts } from "./ports.js";
import { signal as signalProcess } from "./proc.js";
import { applyWithRetry, clusterProperties } from "./properties.js";
import { describeExit, tailFile, type ManagedProcess, type ProcessRecord } from "./spawn.js";
import { clusterPaths, hasData, readClusterState, writeClusterState, type ClusterPaths } from "./state.js";

export interface ClusterOptions {
  /** Plane dir; the cluster lives in `<dir>/<name>`. */
  dir: string;
  name: string;
  role: Role;
  binaries: Binaries;
  crdsDir: string;
  /** ClusterSet written to spokes' `clusterset.k8s.io` property. */
  clusterSet: string;
  /** Delete `<dir>/<name>` first (a cold start). */
  clean?: boolean;
  /** Overall budget for start-up (default 120 s). */
  timeoutMs?: number;
  serviceCidr?: string;
  /** Default true: etcd skips fsync. */
  unsafeNoFsync?: boolean;
  apiserverArgs?: string[];
  controllerManagerArgs?: string[];
  /** Hubs: the admission policy file to apply (default deploy/hub/admission-policies.yaml; "" none). */
  hubPolicyFile?: string;
  /**
   * Fake nodes (kwok) with a scheduler, so pods are scheduled and become
   * Ready. Default 3 for spokes, 0 for hubs; 0 starts neither.
   */
  nodes?: number;
  /** Progress and warnings. */
  log?: (message: string) => void;
}

export interface RunningCluster {
  name: string;
  role: Role;
  /** `<dir>/<name>` */
  dir: string;
  kubeconfigPath: string;
  /** https://127.0.0.1:PORT */
  server: string;
  /** PEM of the API server's CA. */
  caPem: string;
  /** Bearer token of the admin user (system:masters). */
  adminToken: string;
  /** True when existing data was reused. */
  warm: boolean;
  /** Seconds the start took. */
  startSeconds: number;
  processes: ProcessRecord[];
  /** A fresh client configuration for the admin user. */
  kubeConfig(): KubeConfig;
  /** Resolves with a message if a process of this cluster exits while it should be running. */
  readonly died: Promise<string>;
  /** Stops the processes (reverse start order). Data stays unless remove is set. */
  stop(opts?: { remove?: boolean; graceMs?: number }): Promise<void>;
  /**
   * Stops one component and keeps its data and ports: SIGTERM, SIGKILL after `graceMs` (default 10 s),
   * or SIGKILL at once with `kill`. Its exit does not resolve `died`. For fault tests (a stopped server:
   * connection refused).
   */
  stopComponent(name: ComponentName, opts?: { graceMs?: number; kill?: boolean }): Promise<void>;
  /**
   * Starts a stopped component again with the same flags, ports and data; resolves once it is healthy
   * (etcd /health, kube-apiserver /readyz, kwok /healthz; the others once spawned).
   */
  startComponent(name: ComponentName, opts?: { timeoutMs?: number }): Promise<void>;
  /** SIGSTOP: the process keeps its sockets open and answers nothing (a hung server, half-open connections). */
  freezeComponent(name: ComponentName): void;
  /** SIGCONT after {@link freezeComponent}. */
  thawComponent(name: ComponentName): void;
}

/** The processes of a cluster, by the name they have in pids.json and the logs. */
export const COMPONENTS = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"] as const;
export type ComponentName = (typeof COMPONENTS)[number];

/** Raised when one of the cluster's ports was taken between choosing and binding it. */
function portClash(err: unknown): boolean {
  return err instanceof ProcessStartError && /address already in use/i.test(err.message);
}

export async function startCluster(opts: ClusterOptions): Promise<RunningCluster> {
  validateClusterName(opts.name);
  try {
    return await startOnce(opts);
  } catch (err) {
    if (!portClash(err)) throw err;
    opts.log?.(`${opts.name}: a port was taken while starting; retrying with new ports`);
    return startOnce({ ...opts, clean: false });
  }
}

/** Stops leftovers of a crashed earlier run; refuses when another live process owns the cluster. */
async function reclaim(paths: ClusterPaths, name: string, log?: (m: string) => void): Promise<void> {
  const file = readPidFile(paths.pidFile);
  if (ownedByOtherLiveProcess(file)) {
    throw new UsageError(
      `cluster ${name} in ${paths.root} is already running (owned by pid ${String(file?.ownerPid)}); stop it with \`localplane down --dir ${resolve(paths.root, "..")}\``,
    );
  }
  const stale = await stopFromPidFile(paths.pidFile, 5_000);
  if (stale.length > 0) log?.(`${name}: stopped ${stale.length} stale process(es) of an earlier run: ${stale.map((p) => `${p.name}(${p.pid})`).join(", ")}`);
}

async function startOnce(opts: ClusterOptions): Promise<RunningCluster> {
  const t0 = Date.now();
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const deadline = t0 + timeoutMs;
  const left = (): number => Math.max(1_000, deadline - Date.now());
  const log = opts.log ?? ((): void => undefined);
  const paths = clusterPaths(resolve(opts.dir), opts.name);
  const marker = paths.root + "/";

  await reclaim(paths, opts.name, log);
  if (opts.clean) rmSync(paths.root, { recursive: true, force: true });
  const previous = readClusterState(paths);
  if (previous && previous.role !== opts.role) {
    throw new UsageError(`cluster ${opts.name} in ${paths.root} was created as a ${previous.role}, not a ${opts.role}; use --clean (option clean: true) to recreate it`);
  }
  const warm = hasData(paths);
  for (const d of [paths.root, paths.etcdDir, paths.logDir, paths.kcmDir]) mkdirSync(d, { recursive: true, mode: 0o700 });

  const p = previous?.ports;
  const nodes = opts.nodes ?? (opts.role === "spoke" ? 3 : 0);
  if (nodes > 0 && (!opts.binaries.kubeScheduler || !opts.binaries.kwok)) {
    throw new UsageError(`${opts.name}: ${nodes} fake node(s) need kube-scheduler and kwok in ${opts.binaries.dir}; run \`make build\` (or start with --nodes 0)`);
  }
  const [etcdClient = 0, etcdPeer = 0, apiserverPort = 0, kcmPort = 0, schedulerPort = 0, kwokPort = 0] = await freePorts(6, [p?.etcdClient, p?.etcdPeer, p?.apiserver, p?.controllerManager, p?.scheduler, p?.kwok]);
  const pki = ensurePki(paths.pkiDir);

  const procs: ManagedProcess[] = [];
  let stopping = false;
  /** Components stopped on purpose (stopComponent): their exit is not a death. */
  const held = new Set<string>();
  let onDied: ((message: string) => void) | undefined;
  const died = new Promise<string>((r) => (onDied = r));
  const record = (): void =>
    writePidFile(paths.pidFile, { ownerPid: process.pid, processes: procs.map((m) => m.record) });
  // Recorded as soon as spawned, so even a crash during start-up leaves a
  // pid file for the stale-process cleanup. A restarted component takes its old place.
  const track = (m: ManagedProcess): void => {
    const i = procs.findIndex((p) => p.record.name === m.record.name);
    if (i >= 0) procs[i] = m;
    else procs.push(m);
    record();
    void m.exited.then((exit) => {
      if (!stopping && !held.has(m.record.name) && procs.includes(m)) onDied?.(`${opts.name}: ${m.record.name} (pid ${m.record.pid}) ${describeExit(exit)}; log ${m.record.logPath}`);
    });
  };
  const stopAll = async (graceMs: number): Promise<void> => {
    stopping = true;
    for (const m of [...procs].reverse()) await m.stop(graceMs);
    removePidFile(paths.pidFile);
  };

  let caPem = "";
  let kubeconfigText = "";
  const server = `https://127.0.0.1:${apiserverPort}`;
  const launchApiserver = (timeoutMs: number): ReturnType<typeof startApiserver> =>
    startApiserver({
      exe: opts.binaries.kubeApiserver,
      port: apiserverPort,
      etcdUrl: etcdUrl(etcdClient),
      pki,
      serviceCidr: opts.serviceCidr ?? DEFAULT_SERVICE_CIDR,
      extraArgs: opts.apiserverArgs,
      logDir: paths.logDir,
      marker,
      timeoutMs,
      onSpawn: track,
    });
  const kubeconfigPath = `${paths.kcmDir}/kubeconfig`;
  /** Components that do not report their own health: recorded once spawned. */
  const tracked = async (p: Promise<ManagedProcess>): Promise<ManagedProcess> => {
    const m = await p;
    track(m);
    return m;
  };
  // How each component starts (the first time and after stopComponent): same flags, ports and data.
  const launch: Record<ComponentName, (timeoutMs: number) => Promise<ManagedProcess>> = {
    etcd: (timeoutMs) =>
      startEtcd({ name: opts.name, exe: opts.binaries.etcd, dataDir: paths.etcdDir, clientPort: etcdClient, peerPort: etcdPeer, unsafeNoFsync: opts.unsafeNoFsync ?? true, logDir: paths.logDir, marker, timeoutMs, onSpawn: track }),
    "kube-apiserver": async (timeoutMs) => (await launchApiserver(timeoutMs)).proc,
    "kube-controller-manager": () =>
      tracked(startControllerManager({ exe: opts.binaries.kubeControllerManager, kubeconfigPath, certDir: paths.kcmDir, pki, port: kcmPort, server, clusterName: opts.name, caPem, extraArgs: opts.controllerManagerArgs, logDir: paths.logDir, marker })),
    "kube-scheduler": () => tracked(startScheduler({ exe: opts.binaries.kubeScheduler!, kubeconfigPath, certDir: `${paths.kcmDir}/scheduler`, port: schedulerPort, logDir: paths.logDir, marker })),
    kwok: async (timeoutMs) => {
      const m = await tracked(startKwok({ exe: opts.binaries.kwok!, kubeconfigPath, dir: paths.kcmDir, port: kwokPort, logDir: paths.logDir, marker }));
      if (held.has("kwok")) await waitHealthy({ proc: m, what: "kwok /healthz", timeoutMs, intervalMs: 200, check: () => kwokHealthy(kwokPort) });
      return m;
    },
  };
  // The kubeconfig appears only once the cluster is fully ready, so waiting
  // for the file is a valid readiness check (see scripts/demo.sh).
  rmSync(paths.kubeconfig, { force: true });
  try {
    log(`${opts.name}: starting etcd (${warm ? "warm" : "cold"})`);
    const etcd = await launch.etcd(left());

    log(`${opts.name}: starting kube-apiserver on port ${apiserverPort}`);
    const api = await launchApiserver(left()).catch(async (err: unknown) => {
      // An API server that cannot reach etcd says so only in its own log.
      if (etcd.exit) throw new ProcessStartError(`etcd ${describeExit(etcd.exit)}:\n${tailFile(etcd.record.logPath)}`, etcd.record.logPath, { cause: err });
      throw err;
    });
    caPem = api.caPem;

    kubeconfigText = buildKubeconfig({ name: opts.name, server: api.url, caPem: api.caPem, token: pki.adminToken });
    const kc = new KubeConfig();
    kc.loadFromString(kubeconfigText);

    log(`${opts.name}: starting kube-controller-manager`);
    const kcm = await launch["kube-controller-manager"](left());
    if (nodes > 0) {
      log(`${opts.name}: starting kube-scheduler and kwok (${nodes} fake nodes)`);
      await launch["kube-scheduler"](left());
      await launch.kwok(left());
    }

    // CRDs and properties need only the API server: do them while the
    // controller manager starts.
    const crds = crdFilesForRole(opts.role, opts.crdsDir);
    for (const m of crds.missing) log(`warning: ${opts.name}: CRD file ${m} does not exist; its API is not installed`);
    if (crds.files.length > 0) {
      const names = await installCrds(kc, crds.files, { timeoutMs: left() });
      log(`${opts.name}: CRDs established: ${names.join(", ")}`);
    }
    if (opts.role === "hub") {
      const policyFile = opts.hubPolicyFile ?? defaultHubPolicyFile();
      if (policyFile !== "" && !existsSync(policyFile)) log(`warning: ${opts.name}: admission policy file ${policyFile} does not exist; agents are not confined to status writes on this hub`);
      const policies = await installHubPolicies(kc, policyFile);
      if (policies.length > 0) log(`${opts.name}: admission policies applied: ${policies.join(", ")}`);
    }
    if (opts.role === "spoke") {
      if (crds.files.some((f) => f.endsWith("about.k8s.io_clusterproperties.yaml"))) {
        await applyWithRetry(kc, clusterProperties(opts.name, opts.clusterSet), Math.min(left(), 30_000));
      } else {
        log(`warning: ${opts.name}: ClusterProperty CRD missing; cluster.clusterset.k8s.io not set`);
      }
    }

    // The controller manager is ready when its service-account controller
    // has created the `default` ServiceAccount (a fresh etcd has none).
    const core = kc.makeApiClient(CoreV1Api);
    await waitHealthy({
      proc: kcm,
      what: "kube-controller-manager (ServiceAccount default/default)",
      timeoutMs: left(),
      intervalMs: 200,
      check: async () => {
        await core.readNamespacedServiceAccount({ name: "default", namespace: "default" });
        return true;
      },
    });
    if (nodes > 0) {
      const names = await ensureNodes(kc, opts.name, nodes);
      const kwokProc = procs.find((m) => m.record.name === "kwok")!;
      await waitHealthy({ proc: kwokProc, what: `kwok (${nodes} nodes Ready)`, timeoutMs: left(), intervalMs: 200, check: async () => (await kwokHealthy(kwokPort)) && (await nodesReady(kc, names)) });
    } else {
      await ensureNodes(kc, opts.name, 0).catch(() => undefined);
    }
  } catch (err) {
    await stopAll(2_000);
    if (err instanceof LocalplaneError) throw err;
    throw new LocalplaneError(`cannot start cluster ${opts.name}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }

  const tmpKubeconfig = `${paths.kubeconfig}.${process.pid}.tmp`;
  writeFileSync(tmpKubeconfig, kubeconfigText, { mode: 0o600 });
  renameSync(tmpKubeconfig, paths.kubeconfig);
  writeClusterState(paths, {
    name: opts.name,
    role: opts.role,
    ports: { etcdClient, etcdPeer, apiserver: apiserverPort, controllerManager: kcmPort, ...(nodes > 0 ? { scheduler: schedulerPort, kwok: kwokPort } : {}) },
    server,
    startedAt: new Date().toISOString(),
  });

  const component = (name: ComponentName): ManagedProcess => {
    const m = procs.find((p) => p.record.name === name);
    if (!m) throw new UsageError(`cluster ${opts.name} has no ${name} (it has ${procs.map((p) => p.record.name).join(", ")})`);
    return m;
  };
  let stopped: Promise<void> | undefined;
  return {
    name: opts.name,
    role: opts.role,
    dir: paths.root,
    kubeconfigPath: paths.kubeconfig,
    server,
    caPem,
    adminToken: pki.adminToken,
    warm,
    startSeconds: (Date.now() - t0) / 1000,
    get processes(): ProcessRecord[] {
      return procs.map((m) => m.record);
    },
    died,
    kubeConfig(): KubeConfig {
      const k = new KubeConfig();
      k.loadFromFile(paths.kubeconfig);
      return k;
    },
    async stop(o = {}): Promise<void> {
      stopped ??= stopAll(o.graceMs ?? 10_000);
      await stopped;
      if (o.remove) rmSync(paths.root, { recursive: true, force: true });
    },
    async stopComponent(name, o = {}): Promise<void> {
      const m = component(name);
      held.add(name);
      signalProcess(m.record.pid, "SIGCONT");
      if (o.kill === true) {
        signalProcess(m.record.pid, "SIGKILL");
        await m.exited;
      } else {
        await m.stop(o.graceMs ?? 10_000);
      }
    },
    async startComponent(name, o = {}): Promise<void> {
      const m = component(name);
      if (m.exit === undefined) throw new UsageError(`${opts.name}: ${name} (pid ${m.record.pid}) is running; stop it first`);
      await launch[name](o.timeoutMs ?? 60_000);
      held.delete(name);
    },
    freezeComponent(name): void {
      signalProcess(component(name).record.pid, "SIGSTOP");
    },
    thawComponent(name): void {
      signalProcess(component(name).record.pid, "SIGCONT");
    },
  };
}
