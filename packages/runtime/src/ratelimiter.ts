/**
 * Per-item retry rate limiters for the workqueue (the client-go model): the
 * delay for an item grows with its consecutive failures until `forget`.
 */

/** Decides how long an item waits before it is retried. */
export interface RateLimiter<K = string> {
  /** Delay in ms before `item` may be processed again; counts a requeue. */
  when(item: K): number;
  /** Resets the failure count of `item` (after a success). */
  forget(item: K): void;
  /** Consecutive requeues of `item` since the last `forget`. */
  numRequeues(item: K): number;
}

/** Options of {@link ItemExponentialRateLimiter}. */
export interface ItemExponentialRateLimiterOptions {
  /** Delay after the first failure. Default 5 ms (as client-go). */
  baseDelayMs?: number;
  /**
   * Cap of the per-item delay. Default 5 minutes. (client-go caps at 1000 s;
   * we pick 5 min so an object stuck on a transient cause, such as a CRD
   * that is not yet established, is retried within minutes.)
   */
  maxDelayMs?: number;
}

/** base·2^failures, capped at maxDelayMs, per item. */
export class ItemExponentialRateLimiter<K = string> implements RateLimiter<K> {
  private readonly failures = new Map<K, number>();
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(opts: ItemExponentialRateLimiterOptions = {}) {
    this.baseDelayMs = opts.baseDelayMs ?? 5;
    this.maxDelayMs = opts.maxDelayMs ?? 5 * 60_000;
  }

  when(item: K): number {
    const n = this.failures.get(item) ?? 0;
    this.failures.set(item, n + 1);
    // 2^n overflows to Infinity for large n; min() keeps the cap.
    return Math.min(this.maxDelayMs, this.baseDelayMs * Math.pow(2, n));
  }

  forget(item: K): void {
    this.failures.delete(item);
  }

  numRequeues(item: K): number {
    return this.failures.get(item) ?? 0;
  }
}

/** Options of {@link BucketRateLimiter}. */
export interface BucketRateLimiterOptions {
  /** Sustained retries per second over all items. Default 10. */
  qps?: number;
  /** Retries allowed at once before pacing starts. Default 100. */
  burst?: number;
  /** Clock, for tests. Default Date.now. */
  now?: () => number;
}

/**
 * A token bucket over all items: bounds the overall retry rate so a mass
 * failure does not hammer the API server. Reservations are spaced 1/qps apart
 * once the burst is spent.
 */
export class BucketRateLimiter<K = string> implements RateLimiter<K> {
  private readonly qps: number;
  private readonly burst: number;
  private readonly now: () => number;
  private tokens: number;
  private last: number;

  constructor(opts: BucketRateLimiterOptions = {}) {
    this.qps = opts.qps ?? 10;
    this.burst = opts.burst ?? 100;
    this.now = opts.now ?? Date.now;
    this.tokens = this.burst;
    this.last = this.now();
  }

  when(_item: K): number {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.qps) * 1000);
  }

  forget(_item: K): void {}

  numRequeues(_item: K): number {
    return 0;
  }
}

/** The longest delay of several limiters. */
export class MaxOfRateLimiter<K = string> implements RateLimiter<K> {
  private readonly limiters: RateLimiter<K>[];

  constructor(...limiters: RateLimiter<K>[]) {
    this.limiters = limiters;
  }

  when(item: K): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.when(item));
    return max;
  }

  forget(item: K): void {
    for (const l of this.limiters) l.forget(item);
  }

  numRequeues(item: K): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.numRequeues(item));
    return max;
  }
}

/**
 * The controllers' default: per-item exponential (5 ms → 5 min) combined with
 * an overall bucket (10 qps, burst 100).
 */
export function defaultControllerRateLimiter<K = string>(
  opts: ItemExponentialRateLimiterOptions & BucketRateLimiterOptions = {},
): RateLimiter<K> {
  return new MaxOfRateLimiter<K>(new ItemExponentialRateLimiter<K>(opts), new BucketRateLimiter<K>(opts));
}
