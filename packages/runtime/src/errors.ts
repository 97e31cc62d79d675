/**
 * Error types shared by the client, the informers and the controllers.
 *
 * Everything the runtime throws or rejects with is an `Error`: API failures
 * are {@link KubeApiError}s carrying the server's `Status`, and reconcilers
 * signal "do not retry" with {@link TerminalError}.
 */

/** metav1.StatusCause */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

/** metav1.Status, as returned by the API server on failures and some deletes. */
export interface Status {
  kind?: "Status";
  apiVersion?: string;
  metadata?: Record<string, unknown>;
  status?: "Success" | "Failure";
  message?: string;
  reason?: string;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    uid?: string;
    causes?: StatusCause[];
    retryAfterSeconds?: number;
  };
  code?: number;
}

/** Construction options of {@link KubeApiError}. */
export interface KubeApiErrorOptions {
  /** HTTP status code (or `Status.code` of a watch ERROR event). */
  statusCode: number;
  /** The decoded Status; synthesised from the body text when the server sent none. */
  status?: Status;
  /** "Kind/namespace/name" (or "Kind/name") of the object the request was about, when known. */
  object?: string;
  /** HTTP method of the failed request. */
  method?: string;
  /** Request path (without query) of the failed request. */
  path?: string;
  /** Underlying error, if any. */
  cause?: unknown;
}

/** A non-2xx answer of the Kubernetes API (or an ERROR watch event). */
export class KubeApiError extends Error {
  override readonly name = "KubeApiError";
  /** HTTP status code, e.g. 404, 409, 410, 422, 429. */
  readonly statusCode: number;
  /** `Status.reason`, e.g. "NotFound", "Conflict", "AlreadyExists", "Expired"; "" when unknown. */
  readonly reason: string;
  /** The Status object the server returned (or one synthesised from the body). */
  readonly status: Status;
  /** "Kind/namespace/name" of the object involved, when known. */
  readonly object: string | undefined;
  readonly method: string | undefined;
  readonly path: string | undefined;

  constructor(opts: KubeApiErrorOptions) {
    const status: Status = opts.status ?? { kind: "Status", status: "Failure", code: opts.statusCode };
    const what = opts.object !== undefined ? ` (${opts.object})` : "";
    const text = status.message !== undefined && status.message !== "" ? status.message : `HTTP ${opts.statusCode}`;
    super(`${text}${what}`, opts.cause !== undefined ? { cause: opts.cause } : undefined);
    this.statusCode = opts.statusCode;
    this.reason = status.reason ?? "";
    this.status = status;
    this.object = opts.object;
    this.method = opts.method;
    this.path = opts.path;
  }

  /** Builds an error from a watch ERROR event's Status object. */
  static fromStatus(status: Status, object?: string): KubeApiError {
    return new KubeApiError({ statusCode: status.code ?? 500, status, ...(object !== undefined ? { object } : {}) });
  }
}

/**
 * Returned (thrown) by a reconciler for failures that retrying cannot fix,
 * e.g. an invalid spec. The controller logs it and forgets the key instead of
 * requeueing with backoff; a later change to the object enqueues it again.
 */
export class TerminalError extends Error {
  override readonly name = "TerminalError";

  constructor(messageOrCause: string | Error, options?: { cause?: unknown }) {
    if (messageOrCause instanceof Error) {
      super(messageOrCause.message, { cause: options?.cause ?? messageOrCause });
    } else {
      super(messageOrCause, options);
    }
  }
}

/** True for a {@link TerminalError}, also when wrapped as the `cause` of another error. */
export function isTerminalError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof TerminalError) return true;
  }
  return false;
}

function apiError(err: unknown): KubeApiError | undefined {
  return err instanceof KubeApiError ? err : undefined;
}

/** 404 NotFound. */
export function isNotFound(err: unknown): boolean {
  const e = apiError(err);
  return e !== undefined && (e.reason === "NotFound" || (e.reason === "" && e.statusCode === 404));
}

/** 409 Conflict (optimistic-concurrency failure or failed precondition), not AlreadyExists. */
export function isConflict(err: unknown): boolean {
  const e = apiError(err);
  return e !== undefined && (e.reason === "Conflict" || (e.statusCode === 409 && e.reason !== "AlreadyExists"));
}

/** 409 AlreadyExists on create. */
export function isAlreadyExists(err: unknown): boolean {
  return apiError(err)?.reason === "AlreadyExists";
}

/** 410 Gone / Expired: the requested resourceVersion is too old; relist. */
export function isGone(err: unknown): boolean {
  const e = apiError(err);
  return e !== undefined && (e.statusCode === 410 || e.reason === "Expired" || e.reason === "Gone");
}

/** 403 Forbidden. */
export function isForbidden(err: unknown): boolean {
  const e = apiError(err);
  return e !== undefined && (e.statusCode === 403 || e.reason === "Forbidden");
}

/** 422 Invalid (includes fieldValidation=Strict rejections), or 400 BadRequest with causes. */
export function isInvalid(err: unknown): boolean {
  const e = apiError(err);
  return e !== undefined && (e.statusCode === 422 || e.reason === "Invalid");
}

/** 400 BadRequest (e.g. a strict-decoding error on server-side apply). */
export function isBadRequest(err: unknown): boolean {
  const e = apiError(err);
  return e !== undefined && (e.statusCode === 400 || e.reason === "BadRequest");
}

/**
 * The request was rejected for what the object says, not for a transient
 * reason: 422 Invalid, 400 BadRequest (strict decoding), or the 500 that
 * server-side apply returns when the applied object does not fit the schema
 * ("failed to create typed patch object …: field not declared in schema";
 * kubernetes/kubernetes#122480). Retrying the same object cannot succeed.
 */
export function isSchemaError(err: unknown): boolean {
  const e = apiError(err);
  if (e === undefined) return false;
  if (isInvalid(e) || isBadRequest(e)) return true;
  return e.statusCode === 500 && /failed to create typed patch object|field not declared in schema/.test(e.status.message ?? "");
}

/** 429 TooManyRequests. */
export function isTooManyRequests(err: unknown): boolean {
  const e = apiError(err);
  return e !== undefined && (e.statusCode === 429 || e.reason === "TooManyRequests");
}

/**
 * True when the API server gave no answer: the connection was refused, reset or timed out (any
 * error without an HTTP status other than an abort), or a proxy in front of it said 502/503/504.
 * Such failures are transient by nature: they say nothing about the request.
 */
export function isNoAnswer(err: unknown): boolean {
  if (isAbortError(err)) return false;
  const e = apiError(err);
  if (e !== undefined) return e.statusCode === 502 || e.statusCode === 503 || e.statusCode === 504;
  const code = (err as { code?: unknown } | null)?.code;
  // Not TLS or certificate errors: a server that answers with the wrong certificate did answer.
  return err instanceof Error && typeof code === "string" && NO_ANSWER_CODES.has(code);
}

/** Socket and DNS error codes of a connection that failed, dropped or timed out. */
const NO_ANSWER_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ECONNABORTED", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "EHOSTDOWN", "ENETUNREACH", "ENETDOWN", "ENOTFOUND", "EAI_AGAIN", "ERR_STREAM_PREMATURE_CLOSE", "UND_ERR_SOCKET"]);

/** True when `err` is the rejection of an aborted operation. */
export function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === "AbortError" || (err as { code?: unknown }).code === "ABORT_ERR");
}

/** Turns anything thrown into an `Error` (strings and objects are wrapped, never lost). */
export function ensureError(value: unknown): Error {
  if (value instanceof Error) return value;
  if (typeof value === "string") return new Error(value);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return new Error(`non-Error thrown: ${text}`, { cause: value });
}
