/**
 * Request accounting of a {@link KubeClient}: how many requests of each verb
 * it sent. Tests use it to prove, for example, that a steady-state resync
 * writes nothing.
 */

/** Request verbs as counted. LIST and WATCH are GETs on collections. */
export type Verb = "GET" | "LIST" | "WATCH" | "POST" | "PUT" | "PATCH" | "DELETE";

/** A snapshot of request counts (every HTTP attempt counts, retries included). */
export interface RequestStats {
  GET: number;
  LIST: number;
  WATCH: number;
  POST: number;
  PUT: number;
  PATCH: number;
  DELETE: number;
  /** POST + PUT + PATCH + DELETE. */
  writes: number;
  /** All requests. */
  total: number;
  /** Requests answered with a non-2xx status (or failed without one). */
  errors: number;
  /** Requests retried after a 429 (or a 5xx with Retry-After). */
  throttled: number;
  /** Request body bytes sent (every attempt). */
  bytesSent: number;
}

const WRITE_VERBS: ReadonlySet<Verb> = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** Mutable counters behind {@link RequestStats}. */
export class RequestCounter {
  private counts: RequestStats = RequestCounter.empty();

  static empty(): RequestStats {
    return { GET: 0, LIST: 0, WATCH: 0, POST: 0, PUT: 0, PATCH: 0, DELETE: 0, writes: 0, total: 0, errors: 0, throttled: 0, bytesSent: 0 };
  }

  /** Counts one request with a body of `bytes`. */
  record(verb: Verb, bytes = 0): void {
    this.counts[verb]++;
    this.counts.bytesSent += bytes;
    this.counts.total++;
    if (WRITE_VERBS.has(verb)) this.counts.writes++;
  }

  recordError(): void {
    this.counts.errors++;
  }

  recordThrottled(): void {
    this.counts.throttled++;
  }

  /** A copy of the counts. */
  snapshot(): RequestStats {
    return { ...this.counts };
  }

  reset(): void {
    this.counts = RequestCounter.empty();
  }
}

/** The accounting verb of a raw request. */
export function verbFor(method: string, watch: boolean): Verb {
  const m = method.toUpperCase();
  if (m === "GET") return watch ? "WATCH" : "GET";
  if (m === "POST" || m === "PUT" || m === "PATCH" || m === "DELETE") return m;
  return "GET";
}
