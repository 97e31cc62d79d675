/**
 * MultiNamespaceInformer: one resource, cached over a changing set of
 * namespaces, with one namespaced list+watch per namespace (as
 * controller-runtime's multi-namespace cache). For identities that may read a
 * resource only in some namespaces (RBAC grants per namespace; a cluster-wide
 * watch would be forbidden), e.g. the hub controller, which may read Secrets
 * only in the cluster namespaces it created.
 *
 * The set of namespaces follows a namespace informer: the namespaces that
 * `select` accepts. A namespace that joins gets its own {@link Informer}
 * (started at once when this one runs); one that leaves is stopped and its
 * objects are delivered as deletes. Handlers see the union, in each
 * namespace's event order.
 *
 * A namespace whose list is refused with 403 (its access is granted moments
 * after it is created, or was revoked) keeps retrying with the informer's
 * backoff (at debug level for its first 10 s); it counts as settled for {@link hasSynced} so one broken namespace
 * does not keep the controllers from starting, and {@link namespaceSynced}
 * tells reconcilers whether its cache can be trusted.
 */
import type { KubeObject } from "@work-api/api";
import { sleep } from "./backoff.js";
import type { Lister } from "./cache.js";
import type { KubeClient } from "./client.js";
import { ensureError, isForbidden } from "./errors.js";
import { noopLogger, type Logger } from "./logger.js";
import { Informer, type EventHandler, type InformerOptions, type InformerStats, type ListerWatcher } from "./informer.js";
import type { ObjectLike, ResourceRef } from "./paths.js";

/** Options of {@link MultiNamespaceInformer}: those of each namespace's informer, plus where the namespaces come from. */
export interface MultiNamespaceInformerOptions<T extends ObjectLike> extends Omit<InformerOptions<T>, "namespace" | "listerWatcher"> {
  /** The namespaces to cover are the objects of this informer that `select` accepts. */
  namespaces: Informer<KubeObject>;
  select: (namespace: KubeObject) => boolean;
  /** Replaces the client-backed list/watch of one namespace (tests). */
  listerWatcherFor?: (namespace: string) => ListerWatcher<T>;
}

/** How long after a namespace joins a 403 on its list is expected (logged at debug level). */
const ACCESS_GRACE_MS = 10_000;

export class MultiNamespaceInformer<T extends ObjectLike = KubeObject> implements Lister<T> {
  readonly resource: ResourceRef;
  private readonly children = new Map<string, Informer<T>>();
  private readonly handlers = new Set<EventHandler<T>>();
  private readonly forward: EventHandler<T>;
  private running = false;
  private readonly log: Logger;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly client: KubeClient | undefined,
    resource: ResourceRef,
    private readonly opts: MultiNamespaceInformerOptions<T>,
  ) {
    this.resource = resource;
    this.log = (opts.logger ?? noopLogger).child({ informer: opts.name ?? resource.resource });
    this.forward = {
      onAdd: (o) => this.dispatch((h) => h.onAdd?.(o)),
      onUpdate: (a, b) => this.dispatch((h) => h.onUpdate?.(a, b)),
      onDelete: (o) => this.dispatch((h) => h.onDelete?.(o)),
    };
  }

  /** Registers handlers; objects already cached are replayed as adds. Returns an unregister function. */
  addEventHandler(h: EventHandler<T>): () => void {
    this.handlers.add(h);
    if (h.onAdd !== undefined) for (const o of this.list()) h.onAdd(o);
    return () => this.handlers.delete(h);
  }

  /** Follows the namespace informer (which must be started too) and starts each namespace's informer. Idempotent. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const ns = this.opts.namespaces;
    const sync = (n: KubeObject): void => this.reconcileNamespace(n.metadata?.name ?? "", ns.get(n.metadata?.name ?? ""));
    this.unsubscribe = ns.addEventHandler({ onAdd: sync, onUpdate: (_o, n) => sync(n), onDelete: (n) => this.reconcileNamespace(n.metadata?.name ?? "", undefined) });
    for (const child of this.children.values()) child.start();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await Promise.all([...this.children.values()].map((c) => c.stop()));
  }

  /** The namespaces covered now. */
  namespaceNames(): string[] {
    return [...this.children.keys()].sort();
  }

  /** True when the namespace is one of those covered. */
  covers(namespace: string): boolean {
    return this.children.has(namespace);
  }

  /**
   * True when the namespace is covered and its first list succeeded (its cache can be trusted);
   * false when it is not covered or not listed yet (or its list is refused).
   */
  namespaceSynced(namespace: string): boolean {
    return this.children.get(namespace)?.hasSynced() ?? false;
  }

  /** The namespace informer has synced, and every covered namespace has listed or been refused. */
  hasSynced(): boolean {
    if (!this.running || !this.opts.namespaces.hasSynced()) return false;
    for (const c of this.children.values()) if (!c.hasSynced() && !isForbidden(c.lastError())) return false;
    return true;
  }

  /** Resolves once {@link hasSynced}; rejects when `signal` aborts. */
  async waitForSync(signal?: AbortSignal): Promise<void> {
    await this.opts.namespaces.waitForSync(signal);
    while (!this.hasSynced()) await sleep(50, signal);
  }

  /** Sum over the covered namespaces. */
  stats(): InformerStats {
    const sum: InformerStats = { lists: 0, watches: 0, failures: 0, idleRestarts: 0, expired: 0 };
    for (const c of this.children.values()) {
      const s = c.stats();
      for (const k of Object.keys(sum) as (keyof InformerStats)[]) sum[k] += s[k];
    }
    return sum;
  }

  get size(): number {
    let n = 0;
    for (const c of this.children.values()) n += c.size;
    return n;
  }
  get(key: string): T | undefined {
    const slash = key.indexOf("/");
    return slash < 0 ? undefined : this.children.get(key.slice(0, slash))?.get(key);
  }
  list(): T[] {
    return [...this.children.values()].flatMap((c) => c.list());
  }
  listByNamespace(namespace: string): T[] {
    return this.children.get(namespace)?.listByNamespace(namespace) ?? [];
  }
  byIndex(index: string, value: string): T[] {
    return [...this.children.values()].flatMap((c) => c.byIndex(index, value));
  }
  keys(): string[] {
    return [...this.children.values()].flatMap((c) => c.keys());
  }

  private reconcileNamespace(name: string, live: KubeObject | undefined): void {
    if (name === "") return;
    const want = live !== undefined && this.opts.select(live);
    const child = this.children.get(name);
    if (want && child === undefined) {
      const { namespaces: _n, select: _s, listerWatcherFor, ...rest } = this.opts;
      const joined = Date.now();
      const inf = new Informer<T>(this.client, this.resource, {
        ...rest,
        namespace: name,
        // Access to a namespace is often granted just after it appears: refusals are expected at first.
        expectedFailure: (err) => (isForbidden(err) && Date.now() - joined < ACCESS_GRACE_MS) || rest.expectedFailure?.(err) === true,
        ...(listerWatcherFor !== undefined ? { listerWatcher: listerWatcherFor(name) } : {}),
      });
      this.children.set(name, inf);
      inf.addEventHandler(this.forward);
      if (this.running) inf.start();
    } else if (!want && child !== undefined) {
      this.children.delete(name);
      void child.stop().then(() => {
        for (const o of child.list()) this.dispatch((h) => h.onDelete?.(o));
      });
    }
  }

  /** Calls every handler; one that throws is logged and does not keep the others from the event. */
  private dispatch(fn: (h: EventHandler<T>) => void): void {
    for (const h of this.handlers) {
      try {
        fn(h);
      } catch (err) {
        this.log.error({ err: ensureError(err) }, "Event handler failed");
      }
    }
  }
}
