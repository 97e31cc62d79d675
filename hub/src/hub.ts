/**
 * startHub: the hub controller as a library (the CLI, tests and demos use
 * it). Health probes and metrics are served from the start; the informers
 * and controllers run only while this replica leads (or always, without
 * leader election). Losing leadership aborts their in-flight reconciles and
 * requests at once (each term has a client of its own whose requests end
 * with the term), stops them and ends `done` with an error, as client-go
 * does, so a supervisor restarts the process.
 */
import { KubeConfig } from "@kubernetes/client-node";
import { EventRecorder, KubeClient, LeaderElector, OpsServer, Registry, createLogger, ensureError, noopLogger, type Logger } from "@work-api/runtime";
import { toHubConfig, type HubConfig } from "./config.js";
import { hubControllers, type HubControllers } from "./controllers.js";
import { hubEndpoint, type HubEndpoint } from "./kubeconfig.js";
import { hubMetrics } from "./metrics.js";
import { FIELD_MANAGER } from "./names.js";
import type { EventSink } from "./ports.js";
import { HUB_USER_AGENT } from "./build.js";

/** Options of {@link startHub}: any {@link HubConfig} field (defaults as the CLI's), plus injectables. */
export type StartHubOptions = Partial<HubConfig> & {
  logger?: Logger;
  /** Metrics registry; default a fresh one per hub (so several hubs in one process stay apart). */
  registry?: Registry;
};

export interface RunningHub {
  readonly config: HubConfig;
  /** URL and CA written into minted kubeconfigs. */
  readonly hub: HubEndpoint;
  /** Bound ports of the health and metrics servers (undefined when disabled or unavailable). */
  readonly healthPort: number | undefined;
  readonly metricsPort: number | undefined;
  isLeader(): boolean;
  /** True while leading and every informer has synced. */
  ready(): boolean;
  /** Resolves after `stop()`; rejects when leadership is lost. */
  readonly done: Promise<void>;
  /** Stops controllers, informers, servers; gives up the leader Lease. Idempotent. */
  stop(): Promise<void>;
}

/** Full config from partial options, with the CLI's defaults and validation. */
export function hubConfig(o: Partial<HubConfig>): HubConfig {
  const base = toHubConfig({});
  const merged: HubConfig = { ...base, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) };
  if (o.inventoryNamespace !== undefined && o.leaderElectionNamespace === undefined) merged.leaderElectionNamespace = o.inventoryNamespace;
  if (o.clusterManager !== undefined && o.leaderElectionId === undefined) merged.leaderElectionId = `work-hub-${o.clusterManager}`;
  return merged;
}

function loadKubeConfig(path: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else if (process.env.KUBERNETES_SERVICE_HOST !== undefined) kc.loadFromCluster();
  else kc.loadFromDefault();
  return kc;
}

async function startServer(address: string, registry: Registry, log: Logger, checks: { ready?: () => boolean }): Promise<{ server: OpsServer; port: number | undefined }> {
  const server = new OpsServer({ address, registry, logger: log });
  if (checks.ready) server.addReadyCheck("controllers", checks.ready);
  try {
    return { server, port: await server.start() };
  } catch (err) {
    log.warn({ err: ensureError(err), address }, "Cannot serve on this address; running without it");
    return { server, port: undefined };
  }
}

export async function startHub(options: StartHubOptions = {}): Promise<RunningHub> {
  const { logger, registry: givenRegistry, ...rest } = options;
  const config = hubConfig(rest);
  const log = (logger ?? noopLogger).child({ clusterManager: config.clusterManager, inventoryNamespace: config.inventoryNamespace });
  const registry = givenRegistry ?? new Registry();
  const kc = loadKubeConfig(config.kubeconfig);
  const hub = hubEndpoint(kc, { hubUrl: config.hubUrl, caFile: config.hubCaFile });
  // Its requests (and every term's, which share its connections) count rest_client_requests_total.
  const client = KubeClient.fromKubeConfig(kc, { userAgent: HUB_USER_AGENT, logger: log, registry });
  // One recorder per term (below), on the term's client: no Event either once the Lease is lost.
  const recorders: EventRecorder[] = [];

  let current: HubControllers | undefined;
  let leading = false;
  const ready = (): boolean => leading && current !== undefined && current.synced();
  hubMetrics(registry, { clusterManager: config.clusterManager, defaultLeaseDurationMs: config.leaseDurationMs, caches: () => (leading ? current?.caches : undefined) });

  const health = await startServer(config.healthAddr, registry, log, { ready });
  const sameAddr = config.metricsAddr === config.healthAddr;
  const metrics = sameAddr ? health : await startServer(config.metricsAddr, registry, log, {});

  const lead = async (signal: AbortSignal): Promise<void> => {
    leading = true;
    // Every request of this term ends with it: after a lost Lease nothing more reaches the hub.
    const termClient = client.withSignal(signal);
    const recorder = new EventRecorder({ client: termClient, component: FIELD_MANAGER, logger: log });
    recorders.push(recorder);
    // The api package's kinds are KubeObjects at run time; the recorder only reads their metadata.
    const events: EventSink = { event: (obj, type, reason, message) => recorder.event(obj as Parameters<EventRecorder["event"]>[0], type, reason, message) };
    const ctl = hubControllers({ config, client: termClient, hub, events, log, registry });
    current = ctl;
    log.info({ node: process.version, hubUrl: hub.server }, "Starting controllers");
    try {
      await ctl.start(signal);
    } catch (err) {
      if (!signal.aborted) log.error({ err: ensureError(err) }, "Controllers failed to start");
    }
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener("abort", () => resolve(), { once: true });
    });
    leading = false;
    // The term is over once no reconcile runs; stopping the informers (one watch per cluster
    // namespace and kind, all aborted with the term) need not delay the exit.
    const t0 = Date.now();
    await ctl.stopControllers();
    log.info({ durationMs: Date.now() - t0 }, "Controllers stopped");
    termOver();
    await ctl.stop();
    log.info({ durationMs: Date.now() - t0 }, "Caches stopped");
  };

  const stopAc = new AbortController();
  let leadDone: Promise<void> = Promise.resolve();
  // Resolves when the current term's controllers have stopped (before its caches have).
  let termOver: () => void = () => undefined;
  let termEnded: Promise<void> = Promise.resolve();
  let elector: LeaderElector | undefined;
  let resolveDone!: () => void;
  let rejectDone!: (e: Error) => void;
  const done = new Promise<void>((res, rej) => {
    resolveDone = res;
    rejectDone = rej;
  });
  // Callers that never await `done` must not see an unhandled rejection.
  done.catch(() => undefined);

  let electionLoop: Promise<void> = Promise.resolve();
  if (config.leaderElect) {
    elector = new LeaderElector({
      client,
      namespace: config.leaderElectionNamespace,
      name: config.leaderElectionId,
      leaseDurationMs: config.leaderElectionLeaseDurationMs,
      renewDeadlineMs: Math.round(config.leaderElectionLeaseDurationMs * (2 / 3)),
      retryPeriodMs: Math.max(500, Math.round(config.leaderElectionLeaseDurationMs / 7.5)),
      logger: log,
      onStartedLeading: (signal) => {
        termEnded = new Promise<void>((r) => (termOver = r));
        leadDone = lead(signal);
      },
      onNewLeader: (id) => log.info({ leader: id }, "Observed leader"),
    });
    electionLoop = elector.run(stopAc.signal).then(async () => {
      // A lead() that failed before its controllers stopped still ends the term.
      await Promise.race([termEnded, leadDone]);
      if (!stopAc.signal.aborted) rejectDone(new Error("lost the leader Lease; exiting so a new term starts clean"));
    });
    electionLoop.catch((err: unknown) => rejectDone(ensureError(err)));
  } else {
    leadDone = lead(stopAc.signal);
  }

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async (): Promise<void> => {
      // Graceful: in-flight reconciles may finish (up to --shutdown-timeout) before the term ends.
      await current?.stop();
      // The last reconciles' Events go out on the term's client, before the term ends.
      await Promise.all(recorders.map((r) => r.flush()));
      stopAc.abort(new Error("hub stopping"));
      await electionLoop.catch(() => undefined);
      await leadDone;
      await Promise.all(recorders.map((r) => r.flush()));
      await health.server.stop();
      if (!sameAddr) await metrics.server.stop();
      client.close();
      resolveDone();
    })();
    return stopping;
  };

  return {
    config,
    hub,
    healthPort: health.port,
    metricsPort: metrics.port,
    isLeader: () => leading,
    ready,
    done,
    stop,
  };
}

/** The default pino logger of the CLI. */
export function cliLogger(c: Pick<HubConfig, "logLevel" | "logFormat">): Logger {
  return createLogger({ name: "work-hub", level: c.logLevel as "info", pretty: c.logFormat === "text" });
}
