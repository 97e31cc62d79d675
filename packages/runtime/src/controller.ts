/**
 * Controller: a named workqueue drained by `concurrency` workers that call a
 * reconcile function per key (the controller-runtime model).
 *
 * - success → `forget(key)`, then `addAfter(key, requeueAfter)` if asked;
 * - a thrown {@link TerminalError} → logged, `forget(key)`, no retry;
 * - any other throw → `addRateLimited(key)` (per-key exponential backoff).
 *
 * A key is never reconciled by two workers at once (workqueue guarantee).
 */
import { randomBytes } from "node:crypto";
import { abortReason, deadline } from "./backoff.js";
import { ensureError, isTerminalError } from "./errors.js";
import type { EventHandler } from "./informer.js";
import { noopLogger, type Logger } from "./logger.js";
import { defaultRegistry, type Counter, type Gauge, type Histogram, type Registry } from "./metrics.js";
import { objectKey, type ObjectLike } from "./paths.js";
import type { RateLimiter } from "./ratelimiter.js";
import { WorkQueue } from "./workqueue.js";

/** What a reconcile asks for: nothing, or another pass after `requeueAfter` ms. */
export type Result = { requeueAfter?: number } | void;

/** The reconcile function: bring the world in line with the object named by `key`. */
export type ReconcileFunc = (key: string, signal: AbortSignal) => Promise<Result>;

/** Something a controller waits on before its workers start (an informer). */
export interface SyncSource {
  waitForSync(signal?: AbortSignal): Promise<void>;
}

/** Something that delivers change notifications (an informer). */
export interface EventSource<T> {
  addEventHandler(h: EventHandler<T>): () => void;
}

/** Options of {@link Controller}. */
export interface ControllerOptions {
  /** Name: in logs (`controller`), metrics labels and the queue name. */
  name: string;
  reconcile: ReconcileFunc;
  /** Parallel reconciles (distinct keys). Default 1. */
  concurrency?: number;
  /** Informers that must have synced before workers start. */
  waitFor?: SyncSource[];
  /** Backoff for failed keys. Default 5 ms → 5 min per key, 10 qps / 100 burst overall. */
  rateLimiter?: RateLimiter;
  /** Longest wait in `stop()` for in-flight reconciles before their signal is aborted. Default 30 s. */
  stopTimeoutMs?: number;
  /** Aborts a single reconcile's signal after this long; 0 = no limit. Default 0. */
  reconcileTimeoutMs?: number;
  logger?: Logger;
  /** Where metrics go. Default {@link defaultRegistry}. */
  registry?: Registry;
}

interface ControllerMetrics {
  total: Counter;
  errors: Counter;
  terminal: Counter;
  duration: Histogram;
  active: Gauge;
  workers: Gauge;
}

/** controller-runtime's buckets of `controller_runtime_reconcile_time_seconds` (5 ms to 60 s). */
export const RECONCILE_TIME_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15,
  20, 25, 30, 40, 50, 60,
];

/** controller-runtime's families, names, labels and meanings (a terminal error counts as an error too). */
function metricsIn(reg: Registry): ControllerMetrics {
  return {
    total: reg.counter({ name: "controller_runtime_reconcile_total", help: "Total number of reconciliations per controller.", labelNames: ["controller", "result"] }),
    errors: reg.counter({ name: "controller_runtime_reconcile_errors_total", help: "Total number of reconciliation errors per controller.", labelNames: ["controller"] }),
    terminal: reg.counter({ name: "controller_runtime_terminal_reconcile_errors_total", help: "Total number of terminal reconciliation errors per controller.", labelNames: ["controller"] }),
    duration: reg.histogram({ name: "controller_runtime_reconcile_time_seconds", help: "Length of time per reconciliation per controller.", labelNames: ["controller"], buckets: RECONCILE_TIME_BUCKETS }),
    active: reg.gauge({ name: "controller_runtime_active_workers", help: "Number of currently used workers per controller.", labelNames: ["controller"] }),
    workers: reg.gauge({ name: "controller_runtime_max_concurrent_reconciles", help: "Maximum number of concurrent reconciles per controller.", labelNames: ["controller"] }),
  };
}

/** A short random id for one reconcile (logged as reconcileId). */
export function newReconcileId(): string {
  return randomBytes(8).toString("hex");
}

/** A workqueue plus workers running a reconcile function. */
export class Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  private readonly opts: ControllerOptions;
  private readonly log: Logger;
  private readonly m: ControllerMetrics;
  private readonly ac = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  private workers: Promise<void>[] = [];
  private started = false;
  private stopping: Promise<void> | undefined;

  constructor(opts: ControllerOptions) {
    this.name = opts.name;
    this.opts = opts;
    const registry = opts.registry ?? defaultRegistry;
    this.queue = new WorkQueue({ name: opts.name, registry, ...(opts.rateLimiter !== undefined ? { rateLimiter: opts.rateLimiter } : {}) });
    this.log = (opts.logger ?? noopLogger).child({ controller: opts.name });
    this.m = metricsIn(registry);
    const l = { controller: opts.name };
    for (const r of ["success", "error", "requeue_after"]) this.m.total.inc({ ...l, result: r }, 0);
    this.m.errors.inc(l, 0);
    this.m.terminal.inc(l, 0);
    this.m.active.set(l, 0);
    this.m.workers.set(l, Math.max(1, opts.concurrency ?? 1));
  }

  /** Queues a key (deduplicated). */
  enqueue(key: string): void {
    this.queue.add(key);
  }

  /** Queues a key after a delay. */
  enqueueAfter(key: string, delayMs: number): void {
    this.queue.addAfter(key, delayMs);
  }

  /**
   * Enqueues keys on every change of `source`. `map` turns an object into the
   * keys to reconcile (default: the object's own key); return [] to ignore.
   * Returns an unregister function.
   */
  watch<T extends ObjectLike>(source: EventSource<T>, map: (obj: T) => string | string[] | undefined = (o) => objectKey(o)): () => void {
    const push = (o: T): void => {
      const keys = map(o);
      if (keys === undefined) return;
      for (const k of Array.isArray(keys) ? keys : [keys]) this.queue.add(k);
    };
    return source.addEventHandler({
      onAdd: push,
      onUpdate: (oldObj, newObj) => {
        push(newObj);
        if (oldObj !== newObj) {
          const before = map(oldObj);
          const after = map(newObj);
          const a = new Set(Array.isArray(after) ? after : after !== undefined ? [after] : []);
          for (const k of Array.isArray(before) ? before : before !== undefined ? [before] : []) if (!a.has(k)) this.queue.add(k);
        }
      },
      onDelete: push,
    });
  }

  /**
   * Waits for the `waitFor` sources to sync, then starts the workers.
   * Resolves once workers run; rejects if stopped (or `signal` aborts) first. When `signal`
   * aborts later, in-flight reconciles are aborted at once and the controller stops (use
   * {@link stop} for a graceful stop that lets them finish).
   */
  async start(signal?: AbortSignal): Promise<void> {
    if (this.started) throw new Error(`controller ${this.name} already started`);
    this.started = true;
    const waitSignal = signal !== undefined ? AbortSignal.any([signal, this.ac.signal]) : this.ac.signal;
    this.log.info({ sources: this.opts.waitFor?.length ?? 0 }, "Waiting for caches to sync");
    await Promise.all((this.opts.waitFor ?? []).map((s) => s.waitForSync(waitSignal)));
    if (waitSignal.aborted) throw abortReason(waitSignal);
    const n = Math.max(1, this.opts.concurrency ?? 1);
    this.log.info({ workers: n }, "Starting workers");
    this.workers = Array.from({ length: n }, () => this.worker());
    // The signal of start() is the term to act in (a leader Lease): when it ends, in-flight
    // reconciles are aborted at once, not after stopTimeoutMs (another replica may act already).
    signal?.addEventListener(
      "abort",
      () => {
        if (this.inFlight.size > 0) this.log.warn({ inFlight: this.inFlight.size }, "Term ended; aborting in-flight reconciles");
        this.ac.abort(abortReason(signal));
        void this.stop();
      },
      { once: true },
    );
  }

  /**
   * Stops taking work, waits for in-flight reconciles up to `stopTimeoutMs`,
   * then aborts their signal. Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    this.log.info({ inFlight: this.inFlight.size }, "Stopping controller");
    this.queue.shutDown();
    const timeoutMs = this.opts.stopTimeoutMs ?? 30_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = await Promise.race([
      Promise.all([...this.inFlight]).then(() => false),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(true), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (timedOut) this.log.warn({ inFlight: this.inFlight.size, timeoutMs }, "Reconciles still running at stop timeout, aborting them");
    this.ac.abort(new Error(`controller ${this.name} stopped`));
    if (!timedOut) await Promise.all(this.workers);
    this.log.info("Controller stopped");
  }

  private async worker(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      const p = this.process(key);
      this.inFlight.add(p);
      try {
        await p;
      } finally {
        this.inFlight.delete(p);
      }
    }
  }

  private async process(key: string): Promise<void> {
    const reconcileId = newReconcileId();
    const log = this.log.child({ key, reconcileId });
    const labels = { controller: this.name };
    const stopTimer = this.m.duration.startTimer(labels);
    this.m.active.inc(labels);
    const timeoutMs = this.opts.reconcileTimeoutMs ?? 0;
    const limit = timeoutMs > 0 ? deadline(timeoutMs, this.ac.signal) : undefined;
    const signal = limit?.signal ?? this.ac.signal;
    try {
      log.debug("Reconciling");
      const result = await this.opts.reconcile(key, signal);
      this.queue.forget(key);
      const after = result?.requeueAfter ?? 0;
      if (after > 0) {
        this.queue.addAfter(key, after);
        this.m.total.inc({ ...labels, result: "requeue_after" });
        log.debug({ requeueAfterMs: after }, "Reconciled, requeue scheduled");
      } else {
        this.m.total.inc({ ...labels, result: "success" });
        log.debug("Reconciled");
      }
    } catch (e) {
      const err = ensureError(e);
      if (isTerminalError(err)) {
        this.queue.forget(key);
        this.m.total.inc({ ...labels, result: "error" });
        this.m.errors.inc(labels);
        this.m.terminal.inc(labels);
        log.error({ err }, "Reconciler returned a terminal error, not retrying");
      } else {
        this.queue.addRateLimited(key);
        this.m.total.inc({ ...labels, result: "error" });
        this.m.errors.inc(labels);
        log.error({ err, requeues: this.queue.numRequeues(key) }, "Reconciler error, requeueing with backoff");
      }
    } finally {
      limit?.done();
      stopTimer();
      this.m.active.dec(labels);
      this.queue.done(key);
    }
  }
}
