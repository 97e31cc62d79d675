/**
 * Informer: keeps a local cache of one resource in sync with the API server
 * and tells handlers what changed.
 *
 * List, then watch from the list's resourceVersion (with bookmarks). A 410
 * (HTTP or ERROR event) triggers a relist whose diff against the cache yields
 * adds, updates and synthesized deletes. Any other failure reconnects from the
 * last seen resourceVersion after a capped exponential backoff (200 ms doubling
 * to 5 s, ±20 %) that resets as soon as events flow. A watch that delivers
 * nothing, not even a bookmark (the API server sends one about every minute),
 * for `watchIdleTimeoutMs` (90 s) is taken for hung (a frozen server, a
 * half-open connection) and restarted. It never gives up until `stop()`.
 */
import type { KubeObject } from "@work-api/api";
import { Backoff, abortReason, sleep, type BackoffOptions } from "./backoff.js";
import { ObjectCache, type IndexFunc, type Lister } from "./cache.js";
import type { KubeClient } from "./client.js";
import { KubeApiError, ensureError, isGone } from "./errors.js";
import { noopLogger, type Logger } from "./logger.js";
import type { ObjectLike, ResourceRef } from "./paths.js";
import type { WatchEvent } from "./watchstream.js";

/** The two calls an informer makes; {@link listerWatcherFor} builds one from a client. */
export interface ListerWatcher<T extends ObjectLike> {
  list(signal: AbortSignal): Promise<{ items: T[]; resourceVersion: string }>;
  watch(opts: { resourceVersion: string; timeoutSeconds: number; signal: AbortSignal }): AsyncIterable<WatchEvent<T>>;
}

/** Scope of what an informer lists and watches. */
export interface InformerScope {
  /** Only this namespace; all namespaces when omitted. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size of the list. Default 500. */
  pageSize?: number;
}

/** A {@link ListerWatcher} over a {@link KubeClient}. */
export function listerWatcherFor<T extends ObjectLike>(client: KubeClient, resource: ResourceRef, scope: InformerScope = {}): ListerWatcher<T> {
  const sel = {
    ...(scope.namespace !== undefined ? { namespace: scope.namespace } : {}),
    ...(scope.labelSelector !== undefined ? { labelSelector: scope.labelSelector } : {}),
    ...(scope.fieldSelector !== undefined ? { fieldSelector: scope.fieldSelector } : {}),
  };
  return {
    list: (signal) => client.listAll<T>(resource, { ...sel, pageSize: scope.pageSize ?? 500, signal }),
    watch: ({ resourceVersion, timeoutSeconds, signal }) =>
      client.watch<T>(resource, { ...sel, resourceVersion, timeoutSeconds, allowWatchBookmarks: true, signal }),
  };
}

/** Callbacks for changes. They run synchronously in event order; exceptions are logged. */
export interface EventHandler<T> {
  onAdd?(obj: T): void;
  /** Also called with old === new on periodic resync. */
  onUpdate?(oldObj: T, newObj: T): void;
  /** Gets the last known state of the object. */
  onDelete?(obj: T): void;
}

/** Options of {@link Informer}. */
export interface InformerOptions<T extends ObjectLike> extends InformerScope {
  /** Name in logs. Default the resource name. */
  name?: string;
  /** Re-deliver every cached object as an update this often; 0 = never. Default 0. */
  resyncPeriodMs?: number;
  /** Reconnect backoff. Default 200 ms doubling to 5 s, ±20 % jitter. */
  backoff?: BackoffOptions;
  /**
   * A watch with no event and no bookmark for this long is hung (frozen server, half-open
   * connection): it is aborted and started again. The API server sends a bookmark about every
   * minute on an idle watch, so keep it well above 60 s. 0 disables. Default 90 s.
   */
  watchIdleTimeoutMs?: number;
  /** Base server-side watch timeout; each watch uses a random value in [base, 2·base]. Default 300 s. */
  watchTimeoutSeconds?: number;
  logger?: Logger;
  /** Failures this says are expected are logged at debug level, not as warnings. */
  expectedFailure?: (err: Error) => boolean;
  /** Replaces the client-backed list/watch (tests, custom sources). */
  listerWatcher?: ListerWatcher<T>;
}

/** A list+watch cache of one resource with change notifications. */
export class Informer<T extends ObjectLike = KubeObject> implements Lister<T> {
  readonly resource: ResourceRef;
  private readonly cache = new ObjectCache<T>();
  private readonly handlers = new Set<EventHandler<T>>();
  private readonly lw: ListerWatcher<T>;
  private readonly log: Logger;
  private readonly opts: InformerOptions<T>;
  private readonly backoff: Backoff;
  private ac: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private resyncTimer: ReturnType<typeof setInterval> | undefined;
  private synced = false;
  private rv = "";
  private failure: Error | undefined;
  private syncWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private readonly counts: InformerStats = { lists: 0, watches: 0, failures: 0, idleRestarts: 0, expired: 0 };

  constructor(client: KubeClient | undefined, resource: ResourceRef, opts: InformerOptions<T> = {}) {
    this.resource = resource;
    this.opts = opts;
    if (opts.listerWatcher !== undefined) this.lw = opts.listerWatcher;
    else if (client !== undefined) this.lw = listerWatcherFor<T>(client, resource, opts);
    else throw new Error("Informer needs a client or a listerWatcher");
    this.log = (opts.logger ?? noopLogger).child({ informer: opts.name ?? resource.resource, ...(opts.namespace !== undefined ? { namespace: opts.namespace } : {}) });
    this.backoff = new Backoff({ initialMs: 200, maxMs: 5_000, jitter: 0.2, ...opts.backoff });
  }

  /** Registers handlers; once synced, existing objects are replayed as adds. Returns an unregister function. */
  addEventHandler(h: EventHandler<T>): () => void {
    this.handlers.add(h);
    if (this.synced && h.onAdd !== undefined) for (const o of this.cache.list()) this.call(() => h.onAdd?.(o));
    return () => this.handlers.delete(h);
  }

  onAdd(fn: (obj: T) => void): () => void {
    return this.addEventHandler({ onAdd: fn });
  }

  onUpdate(fn: (oldObj: T, newObj: T) => void): () => void {
    return this.addEventHandler({ onUpdate: fn });
  }

  onDelete(fn: (obj: T) => void): () => void {
    return this.addEventHandler({ onDelete: fn });
  }

  /** Adds a cache index (see {@link ObjectCache.addIndex}). */
  addIndex(name: string, fn: IndexFunc<T>): void {
    this.cache.addIndex(name, fn);
  }

  /** Starts listing and watching in the background. Idempotent. */
  start(): void {
    if (this.loop !== undefined) return;
    this.ac = new AbortController();
    this.loop = this.run(this.ac.signal);
    const period = this.opts.resyncPeriodMs ?? 0;
    if (period > 0) this.resyncTimer = setInterval(() => this.resync(), period);
  }

  /** Stops watching; pending `waitForSync` calls reject. The cache keeps its content. */
  async stop(): Promise<void> {
    if (this.resyncTimer !== undefined) clearInterval(this.resyncTimer);
    this.resyncTimer = undefined;
    this.ac?.abort(new Error("informer stopped"));
    const loop = this.loop;
    this.loop = undefined;
    const err = new Error(`informer ${this.opts.name ?? this.resource.resource} stopped before it synced`);
    for (const w of this.syncWaiters.splice(0)) w.reject(err);
    await loop;
  }

  /** True once the first list has been applied. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves once synced; rejects when `signal` aborts or the informer stops first. */
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.synced) return Promise.resolve();
    if (signal?.aborted === true) return Promise.reject(abortReason(signal));
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.syncWaiters = this.syncWaiters.filter((w) => w !== waiter);
        reject(abortReason(signal as AbortSignal));
      };
      const waiter = {
        resolve: (): void => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
        reject: (e: Error): void => {
          signal?.removeEventListener("abort", onAbort);
          reject(e);
        },
      };
      this.syncWaiters.push(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** What the informer did so far (for tests and metrics). */
  stats(): InformerStats {
    return { ...this.counts };
  }

  /** The error of the last failed list or watch; undefined again once a list or watch event succeeds. */
  lastError(): Error | undefined {
    return this.failure;
  }

  /** resourceVersion of the last list, event or bookmark applied. */
  lastSyncResourceVersion(): string {
    return this.rv;
  }

  get size(): number {
    return this.cache.size;
  }
  get(key: string): T | undefined {
    return this.cache.get(key);
  }
  list(): T[] {
    return this.cache.list();
  }
  listByNamespace(namespace: string): T[] {
    return this.cache.listByNamespace(namespace);
  }
  byIndex(index: string, value: string): T[] {
    return this.cache.byIndex(index, value);
  }
  keys(): string[] {
    return this.cache.keys();
  }

  private async run(signal: AbortSignal): Promise<void> {
    let needList = true;
    let consecutiveGone = 0;
    const base = this.opts.watchTimeoutSeconds ?? 300;
    while (!signal.aborted) {
      try {
        if (needList) {
          const list = await this.lw.list(signal);
          this.counts.lists++;
          this.applyList(list.items);
          this.rv = list.resourceVersion;
          this.failure = undefined;
          needList = false;
          this.log.debug({ count: list.items.length, resourceVersion: this.rv }, "Listed objects");
          if (!this.synced) {
            this.synced = true;
            for (const w of this.syncWaiters.splice(0)) w.resolve();
          }
        }
        const started = Date.now();
        let events = 0;
        const timeoutSeconds = Math.floor(base * (1 + Math.random()));
        const idle = new IdleWatchdog(signal, this.opts.watchIdleTimeoutMs ?? 90_000);
        this.counts.watches++;
        try {
          for await (const ev of this.lw.watch({ resourceVersion: this.rv, timeoutSeconds, signal: idle.signal })) {
            idle.touch();
            if (ev.type === "ERROR") throw KubeApiError.fromStatus(ev.object);
            events++;
            consecutiveGone = 0;
            this.failure = undefined;
            this.backoff.reset();
            const rv = ev.object.metadata?.resourceVersion;
            if (ev.type !== "BOOKMARK") this.applyEvent(ev.type, ev.object);
            if (rv !== undefined && rv !== "") this.rv = rv;
          }
        } catch (e) {
          if (!idle.fired) throw e;
        } finally {
          idle.stop();
        }
        if (idle.fired && !signal.aborted) {
          this.counts.idleRestarts++;
          this.log.warn({ idleMs: idle.timeoutMs, resourceVersion: this.rv }, "Watch delivered nothing, not even a bookmark; restarting it");
          continue;
        }
        this.log.debug({ events, resourceVersion: this.rv }, "Watch ended");
        // A stream that closes at once, repeatedly, must not spin.
        if (events === 0 && Date.now() - started < 1000) await sleep(this.backoff.next(), signal, true);
      } catch (e) {
        if (signal.aborted) break;
        const err = ensureError(e);
        this.counts.failures++;
        this.failure = err;
        if (isGone(err)) {
          this.counts.expired++;
          needList = true;
          consecutiveGone++;
          this.log.info({ resourceVersion: this.rv }, "Watch expired, relisting");
          if (consecutiveGone > 1) await sleep(this.backoff.next(), signal, true);
          continue;
        }
        const delayMs = this.backoff.next();
        if (this.opts.expectedFailure?.(err) === true) this.log.debug({ err, delayMs, listing: needList }, "Watch failed as expected, will retry");
        else this.log.warn({ err, delayMs, listing: needList }, "Watch failed, will retry");
        await sleep(delayMs, signal, true);
      }
    }
  }

  private applyList(items: T[]): void {
    const diff = this.cache.replace(items);
    for (const o of diff.added) this.dispatch((h) => h.onAdd?.(o));
    for (const u of diff.updated) this.dispatch((h) => h.onUpdate?.(u.old, u.new));
    for (const o of diff.deleted) this.dispatch((h) => h.onDelete?.(o));
  }

  private applyEvent(type: "ADDED" | "MODIFIED" | "DELETED", obj: T): void {
    if (type === "DELETED") {
      this.cache.remove(obj);
      this.dispatch((h) => h.onDelete?.(obj));
      return;
    }
    const old = this.cache.upsert(obj);
    if (old === undefined) this.dispatch((h) => h.onAdd?.(obj));
    else this.dispatch((h) => h.onUpdate?.(old, obj));
  }

  private resync(): void {
    if (!this.synced) return;
    for (const o of this.cache.list()) this.dispatch((h) => h.onUpdate?.(o, o));
  }

  private dispatch(fn: (h: EventHandler<T>) => void): void {
    for (const h of this.handlers) this.call(() => fn(h));
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.log.error({ err: ensureError(e) }, "Event handler failed");
    }
  }
}

/** Counters of an {@link Informer}. */
export interface InformerStats {
  /** Lists applied (the first one and every relist). */
  lists: number;
  /** Watch requests started. */
  watches: number;
  /** Lists and watches that failed (each followed by a backoff or a relist). */
  failures: number;
  /** Watches restarted because they delivered nothing for `watchIdleTimeoutMs`. */
  idleRestarts: number;
  /** 410 Gone answers (each followed by a relist). */
  expired: number;
}

/**
 * Aborts its signal when {@link touch} was not called for `timeoutMs` (never when 0), or when
 * the parent aborts. One per watch request.
 */
class IdleWatchdog {
  private readonly ac = new AbortController();
  private readonly onParent = (): void => this.ac.abort(this.parent.reason);
  private timer: ReturnType<typeof setTimeout> | undefined;
  fired = false;

  constructor(
    private readonly parent: AbortSignal,
    readonly timeoutMs: number,
  ) {
    parent.addEventListener("abort", this.onParent, { once: true });
    this.touch();
  }

  get signal(): AbortSignal {
    return this.ac.signal;
  }

  touch(): void {
    if (this.timeoutMs <= 0) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.fired = true;
      this.ac.abort(new Error(`watch idle for ${this.timeoutMs} ms`));
    }, this.timeoutMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.parent.removeEventListener("abort", this.onParent);
  }
}
