/**
 * A workqueue with the guarantees controllers rely on (client-go semantics):
 *
 * - **dedup**: a key is queued at most once however often it is added;
 * - **single-flight**: a key handed out by `get()` is not handed out again
 *   until `done(key)`; adds meanwhile mark it dirty and it is queued once more
 *   right after `done`;
 * - **delays**: `addAfter` (earliest pending delay wins) and `addRateLimited`
 *   (per-item backoff from a {@link RateLimiter}, reset by `forget`).
 *
 * `get()` resolves with `undefined` once the queue is shut down.
 */
import type { Registry } from "./metrics.js";
import { defaultControllerRateLimiter, type RateLimiter } from "./ratelimiter.js";
import { noQueueMetrics, queueMetrics, type QueueRecorder } from "./workqueue-metrics.js";

/** Options of {@link WorkQueue}. */
export interface WorkQueueOptions {
  /** Name used as the `name` label of the workqueue metrics. Default "workqueue". */
  name?: string;
  /** Backoff policy for `addRateLimited`. Default {@link defaultControllerRateLimiter}. */
  rateLimiter?: RateLimiter;
  /** Where to record the `workqueue_*` metrics (see workqueue-metrics.ts); none when omitted. */
  registry?: Registry;
}

interface Waiting {
  readyAt: number;
  timer: ReturnType<typeof setTimeout>;
}

/** A deduplicating, single-flight, rate-limited FIFO of string keys. */
export class WorkQueue {
  readonly name: string;
  private readonly rateLimiter: RateLimiter;
  private queue: string[] = [];
  private head = 0;
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly waiting = new Map<string, Waiting>();
  private readonly getters: ((key: string | undefined) => void)[] = [];
  private readonly drainWaiters: (() => void)[] = [];
  private shuttingDown = false;
  private readonly metrics: QueueRecorder;

  constructor(opts: WorkQueueOptions = {}) {
    this.name = opts.name ?? "workqueue";
    this.rateLimiter = opts.rateLimiter ?? defaultControllerRateLimiter();
    this.metrics = opts.registry !== undefined ? queueMetrics(opts.registry, this.name, this) : noQueueMetrics;
  }

  /** Queues `key` unless it is queued already (or the queue is shut down). */
  add(key: string): void {
    if (this.shuttingDown) return;
    if (this.dirty.has(key)) return;
    this.metrics.added(key);
    this.dirty.add(key);
    if (this.processing.has(key)) return; // re-queued by done()
    this.push(key);
  }

  /** Queues `key` after `delayMs` (immediately when ≤ 0). An earlier pending delay for the key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    // client-go counts every delayed add as a retry (a RequeueAfter too), not only rate-limited ones.
    this.metrics.retried();
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const readyAt = Date.now() + delayMs;
    const w = this.waiting.get(key);
    if (w !== undefined) {
      if (w.readyAt <= readyAt) return;
      clearTimeout(w.timer);
    }
    const timer = setTimeout(() => {
      this.waiting.delete(key);
      this.add(key);
    }, delayMs);
    this.waiting.set(key, { readyAt, timer });
  }

  /** Queues `key` after its rate limiter's delay (grows with each call until `forget`). */
  addRateLimited(key: string): void {
    if (this.shuttingDown) return;
    this.addAfter(key, this.rateLimiter.when(key));
  }

  /** Resets the backoff of `key` (call after a successful reconcile). */
  forget(key: string): void {
    this.rateLimiter.forget(key);
  }

  /** Rate-limited requeues of `key` since it was last forgotten. */
  numRequeues(key: string): number {
    return this.rateLimiter.numRequeues(key);
  }

  /**
   * The next key, waiting for one if needed. The caller owns the key until it
   * calls `done(key)`. Resolves `undefined` once the queue is shut down.
   */
  get(): Promise<string | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    const key = this.pop();
    if (key !== undefined) return Promise.resolve(key);
    return new Promise((resolve) => this.getters.push(resolve));
  }

  /** Marks `key` as processed; re-queues it if it was added meanwhile. */
  done(key: string): void {
    if (!this.processing.delete(key)) return;
    this.metrics.done(key);
    if (this.dirty.has(key) && !this.shuttingDown) this.push(key);
    if (this.processing.size === 0) this.drainWaiters.splice(0).forEach((f) => f());
  }

  /** Keys ready to be handed out (not counting delayed or in-process keys). */
  len(): number {
    return this.queue.length - this.head;
  }

  /** Keys waiting for a delay to pass. */
  delayedLen(): number {
    return this.waiting.size;
  }

  /** Keys currently handed out and not yet done. */
  processingLen(): number {
    return this.processing.size;
  }

  /** True after shutDown. */
  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /**
   * Stops the queue: adds are ignored, queued and delayed keys are dropped,
   * and every pending and future `get()` resolves `undefined`. Keys in
   * process may still be marked `done`.
   */
  shutDown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    for (const w of this.waiting.values()) clearTimeout(w.timer);
    this.waiting.clear();
    this.queue = [];
    this.head = 0;
    this.dirty.clear();
    this.metrics.dropped();
    this.getters.splice(0).forEach((g) => g(undefined));
  }

  /** {@link shutDown}, then resolves once every key in process is `done`. */
  shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private push(key: string): void {
    const getter = this.getters.shift();
    if (getter !== undefined) {
      this.dirty.delete(key);
      this.processing.add(key);
      this.metrics.handedOut(key);
      getter(key);
      return;
    }
    this.queue.push(key);
  }

  private pop(): string | undefined {
    if (this.head >= this.queue.length) return undefined;
    const key = this.queue[this.head] as string;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.dirty.delete(key);
    this.processing.add(key);
    this.metrics.handedOut(key);
    return key;
  }
}
