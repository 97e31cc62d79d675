/**
 * Wires the agent together: clients for hub and spoke, the caches, the Work
 * controller, the heartbeat and the ops servers. `runAgent` returns when the
 * signal aborts and everything it started has stopped.
 */
import { createHash, randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { KubeConfig } from "@kubernetes/client-node";
import { CLUSTER_ID_PROPERTY, ClusterPropertyResource, type AppliedWork, type ClusterProperty, type KubeObject, type Work } from "@work-api/api";
import { ApplyFailureReason, LastApplied, appliedWorkOwners, type ResourceMapping } from "@work-api/apply";
import { existsSync, readFileSync } from "node:fs";
import { Controller, EventRecorder, KubeClient, LeaderElector, OpsServer, Registry, RestMapper, UsageError, ensureError, isNoAnswer, isNotFound, type Logger } from "@work-api/runtime";
import { AppliedWorkCache } from "./applied-works.js";
import { userOfExecutorFlag } from "./executor.js";
import type { AgentConfig } from "./config.js";
import { HubCredentials, parseSecretRef } from "./credentials.js";
import { Heartbeat } from "./heartbeat.js";
import { HubUnreachableError, HubWorkCache } from "./hub.js";
import { ReachabilityMonitor } from "./reachability.js";
import { AGENT_LABEL, agentObjectLabel } from "./labels.js";
import { agentMetrics, countRequests, reachabilityGauge } from "./metrics.js";
import { AGENT_USER_AGENT, BUILD } from "./build.js";
import { ManifestsFailedError, PruneFailedError, SpokeUnreachableError, WorkReconciler } from "./reconciler.js";
import { SpokeCache } from "./spoke.js";
import { WorkObjectWatches } from "./object-watches.js";
import { workChanged } from "./predicates.js";

const USER_AGENT = AGENT_USER_AGENT;

function loadKubeConfig(path: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else if (process.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
  else kc.loadFromDefault();
  if (!kc.getCurrentCluster()) throw new UsageError(`kubeconfig ${path ?? "(default)"} has no current cluster`);
  return kc;
}

function parseSecretRefOrUsage(text: string | undefined): { namespace: string; name: string } | undefined {
  try {
    return parseSecretRef(text);
  } catch (err) {
    throw new UsageError(ensureError(err).message);
  }
}

/** The spoke's own id from its ClusterProperty `cluster.clusterset.k8s.io`, if set. */
export async function clusterIdOf(spoke: KubeClient): Promise<string | undefined> {
  try {
    const p = await spoke.get<ClusterProperty>(ClusterPropertyResource, CLUSTER_ID_PROPERTY);
    return p.spec?.value || undefined;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

async function startOps(address: string, registry: Registry, log: Logger, what: string, ready?: () => boolean): Promise<OpsServer | undefined> {
  const server = new OpsServer({ address, registry, logger: log });
  if (ready) server.addReadyCheck("caches-synced", ready);
  try {
    await server.start();
    return server;
  } catch (err) {
    const e = ensureError(err) as Error & { code?: string };
    if (e.code === "EADDRINUSE" || e.code === "EACCES") {
      log.error({ address, err: e }, `cannot listen; running without the ${what} endpoint`);
      return undefined;
    }
    throw err;
  }
}

export interface RunningAgent {
  clusterName: string;
  hubNamespace: string;
  /** Resolves after a clean stop. */
  done: Promise<void>;
}

export async function runAgent(cfg: AgentConfig, log: Logger, signal: AbortSignal): Promise<RunningAgent> {
  const hubUrl = loadKubeConfig(cfg.hubKubeconfig).getCurrentCluster()!.server;
  const spokeSecret = parseSecretRefOrUsage(cfg.hubKubeconfigSecret);
  // Only the acting replica persists rotated credentials (a standby keeps them in memory).
  const acting = { now: !cfg.leaderElect };
  const creds = new HubCredentials({ kubeconfigPath: cfg.hubKubeconfig, hubNamespace: "", spokeSecret, intervalMs: cfg.credentialsRefreshMs, mayPersist: () => acting.now, log });
  // Requests that get no answer feed the reachability monitors (made below, once the clients exist).
  const monitors: { hub?: ReachabilityMonitor; spoke?: ReachabilityMonitor } = {};
  const watched = (name: "hub" | "spoke"): { onNoAnswer: (e: Error) => void; onAnswer: () => void } => ({
    onNoAnswer: (e) => monitors[name]?.failed(e),
    onAnswer: () => monitors[name]?.answered(),
  });
  // One registry per agent: its clients count rest_client_requests_total into it.
  const registry = new Registry();
  const hub = KubeClient.fromKubeConfig(creds.current, { userAgent: USER_AGENT, logger: log, registry, ...watched("hub") });
  const spoke = KubeClient.fromKubeConfig(loadKubeConfig(cfg.spokeKubeconfig), { userAgent: USER_AGENT, logger: log, registry, ...watched("spoke") });

  const clusterName = cfg.clusterName ?? (await clusterIdOf(spoke));
  if (!clusterName) {
    throw new UsageError(`cannot tell this cluster's name: pass --cluster-name (or $WORK_AGENT_CLUSTER_NAME), or create the ClusterProperty ${CLUSTER_ID_PROPERTY} on the spoke`);
  }
  const hubNamespace = cfg.hubNamespace ?? clusterName;
  creds.setNamespace(hubNamespace);
  const agentId = createHash("sha256").update(`${hubUrl.replace(/\/+$/, "").toLowerCase()}\n${hubNamespace}`).digest("hex").slice(0, 10);
  const alog = log.child({ cluster: clusterName, hubNamespace });
  // The heartbeat has a client of its own so its Lease renewals are counted apart from Work traffic.
  const hubLease = KubeClient.fromKubeConfig(creds.current, { userAgent: USER_AGENT, logger: log, registry });
  countRequests(registry, { hub, spoke, "hub-lease": hubLease });

  // Bound late: on the hub's return every Work is reconciled at once (the controller comes later).
  const recovered: { now?: () => void } = {};
  const monitor = (name: "hub" | "spoke", client: KubeClient): ReachabilityMonitor => {
    const reachable = reachabilityGauge(registry, name);
    const m = new ReachabilityMonitor({
      name,
      probe: async (sig) => {
        await client.request("GET", "/version", { signal: sig, timeoutMs: 2_000, maxRetries: 0 });
      },
      onRecovered: () => recovered.now?.(),
      onChange: reachable,
      log: alog,
    });
    monitors[name] = m;
    return m;
  };
  const hubMonitor = monitor("hub", hub);
  const spokeMonitor = monitor("spoke", spoke);
  const works = new HubWorkCache(hub, hubNamespace, cfg.resyncPeriodMs, alog, hubMonitor, cfg.watchIdleTimeoutMs);
  const appliedWorks = new AppliedWorkCache(spoke, `${AGENT_LABEL}=${agentId}`, alog, cfg.watchIdleTimeoutMs);
  // Spoke events need the controller, which needs the reconciler, which needs the spoke cache: bind late.
  const queue: { enqueue?: (name: string) => void } = {};
  // A spoke event wakes every Work of this agent that lists the object: by its AppliedWork owners and by the inventories.
  const worksOf = (obj: KubeObject, m: ResourceMapping): Set<string> => {
    const names = new Set<string>();
    const mine = (aw: AppliedWork | undefined): void => {
      if (aw?.spec.workNamespace === hubNamespace) names.add(aw.spec.workName);
    };
    for (const o of appliedWorkOwners(obj)) mine(appliedWorks.byUid(o.uid));
    const id = { group: m.group, kind: m.kind, namespace: m.namespaced ? (obj.metadata?.namespace ?? "") : "", name: obj.metadata?.name ?? "" };
    for (const aw of appliedWorks.listing(id)) mine(aw);
    // Objects watched one by one (ReadOnly, ReportDiff, ...): the Works that asked for the watch.
    for (const name of objectWatches.worksOf(id)) names.add(name);
    return names;
  };
  const spokeObjects = new SpokeCache({
    client: spoke,
    mapper: new RestMapper(spoke),
    labelSelector: agentObjectLabel(agentId),
    watchIdleTimeoutMs: cfg.watchIdleTimeoutMs,
    log: alog,
    onChange: (obj: KubeObject, m: ResourceMapping) => {
      for (const name of worksOf(obj, m)) queue.enqueue?.(name);
    },
  });
  const objectWatches = new WorkObjectWatches((m, ns, name) => spokeObjects.watchObject(m, ns, name));
  const idleRestarts = (list: { stats(): { idleRestarts: number } }[]): number => list.reduce((n, i) => n + i.stats().idleRestarts, 0);
  const recorder = new EventRecorder({ client: hub, component: "work-agent", instance: clusterName, logger: alog });
  const metrics = agentMetrics(registry, {
    works: () => works.informer.list(),
    appliedWorks: () => appliedWorks.informer.list(),
    credentialsRejected: () => creds.rejected,
    idleRestarts: () => ({ hub: idleRestarts([works.informer]), spoke: idleRestarts([appliedWorks.informer, ...spokeObjects.informers()]) }),
    identity: { clusterName, hubNamespace, version: BUILD.version },
  });
  const reconciler = new WorkReconciler({
    events: { event: (w, type, reason, message) => recorder.event({ apiVersion: w.apiVersion, kind: w.kind, metadata: w.metadata }, type, reason, message) },
    onResults: (results, pruned) => metrics.onResults(results, pruned),
    hubUrl,
    hubNamespace,
    agentId,
    fieldManager: cfg.fieldManager,
    force: cfg.forceConflicts,
    evictionGracePeriodMs: cfg.evictionGracePeriodMs,
    defaultExecutor: userOfExecutorFlag(cfg.defaultExecutor),
    spokeOutageGracePeriodMs: cfg.spokeOutageGracePeriodMs,
    objectWatches,
    // Just after the spoke's API server came back, its custom resources may 404 until their CRDs are served again.
    spokeSettling: () => spokeMonitor.sinceRecoveryMs() < 30_000,
    onEviction: (stage) => metrics.onEviction(stage),
    works,
    appliedWorks,
    spoke: spokeObjects,
    lastApplied: new LastApplied(),
    log: alog,
  });
  const controller = new Controller({
    name: "work",
    reconcile: async (key, sig) => {
      try {
        const result = await reconciler.reconcile(key, sig);
        held.delete(key);
        return result;
      } catch (err) {
        // Held back by an outage: reconciled again as soon as the server answers (see recovered.now).
        if (heldBack(err)) held.add(key);
        else held.delete(key);
        throw err;
      }
    },
    concurrency: cfg.concurrency,
    waitFor: [works.informer, appliedWorks.informer],
    logger: alog,
    registry,
    stopTimeoutMs: cfg.shutdownTimeoutMs,
  });
  const ctl = controller;
  const held = new Set<string>();
  queue.enqueue = (name) => ctl.enqueue(name);
  recovered.now = (): void => {
    // The Works an outage held back sit in backoff (up to minutes by now): reconcile them at once.
    // Works failing for other reasons keep their backoff.
    const names = [...held];
    held.clear();
    for (const name of names) {
      ctl.queue.forget(name);
      ctl.enqueue(name);
    }
  };
  works.informer.addEventHandler({
    onAdd: (w: Work) => ctl.enqueue(w.metadata.name!),
    onUpdate: (old: Work, w: Work) => {
      if (workChanged(old, w)) ctl.enqueue(w.metadata.name!);
    },
    onDelete: (w: Work) => ctl.enqueue(w.metadata.name!),
  });
  appliedWorks.informer.addEventHandler({
    onAdd: (aw: AppliedWork) => {
      // AppliedWorks left from Works that no longer exist are cleaned up once caches synced.
      if (aw.spec.workNamespace === hubNamespace) ctl.enqueue(aw.spec.workName);
    },
    onUpdate: () => undefined,
    onDelete: (aw: AppliedWork) => {
      if (aw.spec.workNamespace === hubNamespace) ctl.enqueue(aw.spec.workName);
    },
  });

  const heartbeat = new Heartbeat({ hub: hubLease, spoke, namespace: hubNamespace, holder: `${hostname()}/${process.pid}`, leaseDurationMs: cfg.leaseDurationMs, log: alog });
  let started = false;
  // A standby replica (leader election) is ready once its caches synced: it serves, it just does not act.
  let standby = false;
  const ready = (): boolean => (started || standby) && works.informer.hasSynced() && appliedWorks.informer.hasSynced();
  const health = await startOps(cfg.healthAddr, registry, alog, "health", ready);
  const metricsServer = cfg.metricsAddr === cfg.healthAddr ? undefined : await startOps(cfg.metricsAddr, registry, alog, "metrics");

  works.informer.start();
  appliedWorks.informer.start();
  creds.start(hub, spoke);
  alog.info({ hubUrl, agentId, concurrency: cfg.concurrency, fieldManager: cfg.fieldManager, force: cfg.forceConflicts, leaderElect: cfg.leaderElect, evictionGracePeriodMs: cfg.evictionGracePeriodMs }, "work agent starting");

  const electionAc = new AbortController();
  let electionLoop: Promise<void> = Promise.resolve();
  const stopAll = async (): Promise<void> => {
    alog.info("work agent stopping");
    // Stop acting first, and give the leader Lease up only then, so a standby never acts alongside.
    acting.now = false;
    await controller.stop();
    await Promise.all([hubMonitor.stop(), spokeMonitor.stop()]);
    await heartbeat.stop();
    electionAc.abort(new Error("agent stopping"));
    await electionLoop.catch(() => undefined);
    await creds.stop();
    await recorder.flush();
    await Promise.all([works.informer.stop(), appliedWorks.informer.stop(), spokeObjects.stop()]);
    await Promise.all([health?.stop(), metricsServer?.stop()]);
    hub.close();
    hubLease.close();
    spoke.close();
    alog.info("work agent stopped");
  };
  /** Starts the workers and the heartbeat: at once, or when this replica becomes leader. */
  const act = async (sig: AbortSignal): Promise<void> => {
    await controller.start(sig);
    heartbeat.start();
    acting.now = true;
    started = true;
    metrics.setLeader(true);
    alog.info("work agent running");
  };
  let lost: ((err: Error) => void) | undefined;
  const lostLease = new Promise<never>((_, reject) => (lost = reject));
  lostLease.catch(() => undefined);
  if (cfg.leaderElect) {
    const elector = new LeaderElector({
      client: spoke,
      namespace: cfg.leaderElectionNamespace ?? podNamespace() ?? "default",
      name: cfg.leaderElectionId ?? `work-agent-${agentId}`,
      // A random part, so a restarted container (same hostname and pid 1) starts a new term instead of renewing the old one.
      identity: `${hostname()}_${process.pid}_${randomUUID().slice(0, 8)}`,
      leaseDurationMs: cfg.leaderElectionLeaseDurationMs,
      renewDeadlineMs: Math.round(cfg.leaderElectionLeaseDurationMs * (2 / 3)),
      retryPeriodMs: Math.max(500, Math.round(cfg.leaderElectionLeaseDurationMs / 7.5)),
      logger: alog,
      onStartedLeading: (sig) => {
        act(sig).catch((err: unknown) => lost?.(ensureError(err)));
      },
      onStoppedLeading: () => {
        metrics.setLeader(false);
        acting.now = false;
        if (!electionAc.signal.aborted && !signal.aborted) lost?.(new LeaseLostError());
      },
      onNewLeader: (id) => alog.info({ leader: id }, "observed leader"),
    });
    electionLoop = elector.run(electionAc.signal);
    electionLoop.catch((err: unknown) => lost?.(ensureError(err)));
    standby = true;
    alog.info({ leaseNamespace: cfg.leaderElectionNamespace ?? podNamespace() ?? "default" }, "work agent standing by for the leader Lease");
  } else {
    try {
      // The term is the agent's life: stopAll stops the workers gracefully before it ends.
      await act(electionAc.signal);
    } catch (err) {
      await stopAll();
      if (signal.aborted) return { clusterName, hubNamespace, done: Promise.resolve() };
      throw err;
    }
  }
  const done = new Promise<void>((resolve, reject) => {
    let finishing = false;
    const finish = (err?: Error): void => {
      if (finishing) return;
      finishing = true;
      void stopAll().then(
        () => (err ? reject(err) : resolve()),
        (e: unknown) => {
          alog.error({ err: ensureError(e) }, "error while stopping");
          if (err) reject(err);
          else resolve();
        },
      );
    };
    lostLease.catch((err: unknown) => {
      // Lost the Lease: another replica may act already. Say so at once (the CLI exits 1 without waiting for a graceful stop).
      if (err instanceof LeaseLostError) {
        void stopAll().catch(() => undefined);
        reject(err);
        return;
      }
      finish(ensureError(err));
    });
    if (signal.aborted) finish();
    else signal.addEventListener("abort", () => finish(), { once: true });
  });
  return { clusterName, hubNamespace, done };
}

/** A reconcile failure that only says a server did not answer (so the Work waits for its return). */
function heldBack(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e !== undefined && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof HubUnreachableError || e instanceof SpokeUnreachableError || isNoAnswer(e)) return true;
    // Past the spoke outage grace period the manifests report SpokeUnreachable: still waiting for the spoke.
    if (e instanceof ManifestsFailedError && e.failures.some((f) => f.reason === ApplyFailureReason.SpokeUnreachable)) return true;
    if (e instanceof PruneFailedError && e.failures.some((f) => isNoAnswer(f.error))) return true;
  }
  return false;
}

/** This replica lost the leader Lease: another one may act already, so it must stop at once. */
export class LeaseLostError extends Error {
  override readonly name = "LeaseLostError";
  constructor() {
    super("lost the leader Lease; exiting so a new term starts clean");
  }
}

/** The namespace of the pod the agent runs in, when it runs in a cluster. */
function podNamespace(): string | undefined {
  const f = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
  return existsSync(f) ? readFileSync(f, "utf8").trim() || undefined : undefined;
}
