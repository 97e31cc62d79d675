/**
 * Capped exponential backoff and abortable sleeping.
 */

/** Options of {@link Backoff}. */
export interface BackoffOptions {
  /** First delay. Default 200 ms. */
  initialMs?: number;
  /** Upper bound of any delay. Default 30 s. */
  maxMs?: number;
  /** Multiplier between consecutive delays. Default 2. */
  factor?: number;
  /** Random spread as a fraction of the delay (0.1 = ±10 %). Default 0.1. */
  jitter?: number;
}

/** Delays initialMs, initialMs·factor, … capped at maxMs, until {@link Backoff.reset}. */
export class Backoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private readonly jitter: number;
  private attempt = 0;

  constructor(opts: BackoffOptions = {}) {
    this.initialMs = opts.initialMs ?? 200;
    this.maxMs = opts.maxMs ?? 30_000;
    this.factor = opts.factor ?? 2;
    this.jitter = opts.jitter ?? 0.1;
  }

  /** The next delay in ms; grows on every call. */
  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * Math.pow(this.factor, this.attempt));
    if (base < this.maxMs) this.attempt++;
    const spread = base * this.jitter * (Math.random() * 2 - 1);
    return Math.max(0, Math.min(this.maxMs, Math.round(base + spread)));
  }

  /** Number of delays handed out since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  /** Back to the initial delay (call when things work again). */
  reset(): void {
    this.attempt = 0;
  }
}

/** The reason of an aborted signal as an Error. */
export function abortReason(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  if (r instanceof Error) return r;
  const e = new Error(typeof r === "string" ? r : "The operation was aborted");
  e.name = "AbortError";
  return e;
}

/**
 * Resolves after `ms`; rejects with the abort reason when `signal` aborts
 * first (unless `resolveOnAbort`, then it resolves early).
 */
export function sleep(ms: number, signal?: AbortSignal, resolveOnAbort = false): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted === true) {
      if (resolveOnAbort) resolve();
      else reject(abortReason(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      if (resolveOnAbort) resolve();
      else reject(abortReason(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** The reason of a {@link deadline} signal whose time ran out (named `TimeoutError`, as the DOM's). */
export class DeadlineExceededError extends Error {
  override readonly name = "TimeoutError";
  constructor(readonly timeoutMs: number) {
    super(`deadline of ${Math.round(timeoutMs)} ms exceeded`);
  }
}

/** A signal that aborts after a time or with its parent, and the way to release it. */
export interface Deadline {
  readonly signal: AbortSignal;
  /** Clears the timer and the parent's listener (call when the guarded work ends). */
  done(this: void): void;
}

/**
 * A signal that aborts after `ms` (a `TimeoutError`) or when `parent` aborts.
 *
 * Hand-written instead of `AbortSignal.any([parent, AbortSignal.timeout(ms)])`: Node holds a
 * timeout signal only weakly, and one composed that way can be garbage collected before its
 * timer fires, so the abort never comes (nodejs/node#57736; seen here as a lease renewal that
 * hung 30 s instead of its 6.7 s deadline). A plain timer and controller are held strongly.
 */
export function deadline(ms: number, parent?: AbortSignal): Deadline {
  const ac = new AbortController();
  const onParent = (): void => ac.abort(parent?.reason);
  const timer = setTimeout(() => ac.abort(new DeadlineExceededError(ms)), Math.max(1, ms));
  if (parent?.aborted === true) onParent();
  else parent?.addEventListener("abort", onParent, { once: true });
  return {
    signal: ac.signal,
    done: (): void => {
      clearTimeout(timer);
      parent?.removeEventListener("abort", onParent);
    },
  };
}
