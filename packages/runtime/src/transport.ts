/**
 * The HTTP layer under {@link KubeClient}: keep-alive agent, authentication
 * (re-applied periodically so rotated tokens and certificates are picked up),
 * 429 handling with Retry-After, error decoding and request accounting.
 */
import http from "node:http";
import https from "node:https";
import { abortReason, sleep } from "./backoff.js";
import { KubeApiError, isNoAnswer } from "./errors.js";
import { decodeStatus, headerValue, parseRetryAfter, readAll, restRequestRecorder, type RequestRecorder } from "./http-answers.js";
import { noopLogger, type Logger } from "./logger.js";
import { buildQuery, type QueryParams } from "./paths.js";
import type { Registry } from "./metrics.js";
import { RequestCounter, verbFor, type Verb } from "./stats.js";

export { decodeStatus, parseRetryAfter } from "./http-answers.js";

/** TLS material and headers that authenticate requests (from a kubeconfig, typically). */
export interface AuthMaterial {
  ca?: https.AgentOptions["ca"];
  cert?: https.AgentOptions["cert"];
  key?: https.AgentOptions["key"];
  pfx?: https.AgentOptions["pfx"];
  passphrase?: string | undefined;
  rejectUnauthorized?: boolean | undefined;
  servername?: string | undefined;
  /** Extra headers, e.g. `Authorization: Bearer …`, `Impersonate-User`. */
  headers?: Record<string, string> | undefined;
  /** "user:password" for basic auth. */
  basicAuth?: string | undefined;
}

/** Produces the current auth material; called again every `authRefreshMs` and after a 401. */
export type AuthProvider = () => Promise<AuthMaterial>;

/** Options of {@link Transport} (and of {@link KubeClient}). */
export interface TransportOptions {
  /** API server URL, e.g. "https://127.0.0.1:6443". */
  server: string;
  /** Authentication; none when omitted. */
  auth?: AuthProvider;
  /**
   * Sockets per host for ordinary requests (keep-alive). Default 64.
   * Streams (watches) use a separate, uncapped agent, so long-lived watches
   * can never starve ordinary requests of sockets.
   */
  maxSockets?: number;
  /** User-Agent header. Default "work-api-ts/0.1.0". */
  userAgent?: string;
  /** How often auth is re-applied (token files rotate). Default 60 s. */
  authRefreshMs?: number;
  /** Timeout of a non-streaming request, and of a stream's headers. Default 30 s. */
  timeoutMs?: number;
  /** Retries after 429 (or 5xx with Retry-After). Default 5. */
  maxRetries?: number;
  /** Upper bound on one Retry-After wait. Default 30 s. */
  maxRetryAfterMs?: number;
  /** Where warnings (API `Warning` headers, retries) go. Default no-op. */
  logger?: Logger;
  /** Called for every request that got no answer (see {@link isNoAnswer}): a reachability monitor's input. */
  onNoAnswer?: (err: Error) => void;
  /** Called for every answer of the API server itself (any status but 502, 503 and 504). */
  onAnswer?: () => void;
  /** Where `rest_client_requests_total{code,method,host}` is counted; nowhere when omitted. */
  registry?: Registry;
}

/** Options of one request. */
export interface RequestOptions {
  query?: QueryParams;
  /** Sent as JSON unless a string or Buffer. */
  body?: unknown;
  /** Content-Type of the body. Default "application/json". */
  contentType?: string;
  /** Accept header. Default "application/json". */
  accept?: string;
  /** Extra headers. */
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Overrides the client's request timeout. */
  timeoutMs?: number;
  /** Overrides the client's retries after 429 (0: none, e.g. for a probe). */
  maxRetries?: number;
  /** Accounting verb; inferred from the method (and `watch` query) when omitted. */
  verb?: Verb;
  /** "Kind/namespace/name" named in errors. */
  object?: string;
  /** Called with the HTTP status of a successful answer (e.g. to tell 201 Created from 200). */
  onStatus?: (code: number) => void;
}

interface Session {
  agent: http.Agent;
  streamAgent: http.Agent;
  headers: Record<string, string>;
  fetchedAt: number;
  tlsKey: string;
}

const RETRYABLE_SOCKET_CODES = new Set(["ECONNRESET", "EPIPE"]);

function tlsKeyOf(m: AuthMaterial): string {
  const s = (v: unknown): string => {
    if (Array.isArray(v)) return v.map(s).join("|");
    if (v === undefined) return "";
    if (typeof v === "string") return v;
    if (Buffer.isBuffer(v)) return v.toString("base64");
    return JSON.stringify(v) ?? "";
  };
  return [s(m.ca), s(m.cert), s(m.key), s(m.pfx), m.passphrase ?? "", String(m.rejectUnauthorized), m.servername ?? ""].join("\u0000");
}

/** Sends requests to one API server. */
export class Transport {
  readonly server: URL;
  private readonly opts: Required<Omit<TransportOptions, "auth" | "logger" | "onNoAnswer" | "onAnswer" | "registry">>;
  private readonly auth: AuthProvider | undefined;
  private readonly log: Logger;
  private readonly counter = new RequestCounter();
  private session: Session | undefined;
  private sessionPending: Promise<Session> | undefined;
  private readonly retiredAgents: http.Agent[] = [];
  private readonly warned = new Set<string>();
  private readonly onNoAnswer: ((err: Error) => void) | undefined;
  private readonly onAnswer: (() => void) | undefined;
  private readonly recordRequest: RequestRecorder;

  constructor(opts: TransportOptions) {
    this.server = new URL(opts.server);
    if (this.server.protocol !== "https:" && this.server.protocol !== "http:") throw new Error(`unsupported server URL ${opts.server}`);
    this.auth = opts.auth;
    this.log = opts.logger ?? noopLogger;
    this.onNoAnswer = opts.onNoAnswer;
    this.onAnswer = opts.onAnswer;
    this.recordRequest = opts.registry !== undefined ? restRequestRecorder(opts.registry, this.server.host) : (): void => undefined;
    this.opts = {
      server: opts.server,
      maxSockets: opts.maxSockets ?? 64,
      userAgent: opts.userAgent ?? "work-api-ts/0.1.0",
      authRefreshMs: opts.authRefreshMs ?? 60_000,
      timeoutMs: opts.timeoutMs ?? 30_000,
      maxRetries: opts.maxRetries ?? 5,
      maxRetryAfterMs: opts.maxRetryAfterMs ?? 30_000,
    };
  }

  /** Request counts by verb since creation or the last reset. */
  stats(): ReturnType<RequestCounter["snapshot"]> {
    return this.counter.snapshot();
  }

  resetStats(): void {
    this.counter.reset();
  }

  /** Closes idle keep-alive sockets. In-flight requests and watches are cut. */
  close(): void {
    this.session?.agent.destroy();
    this.session?.streamAgent.destroy();
    for (const a of this.retiredAgents.splice(0)) a.destroy();
    this.session = undefined;
  }

  /** Sends a request and decodes the JSON answer (undefined for an empty body). */
  async request<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.send(method, path, opts, false);
    const text = res.body?.toString("utf8") ?? "";
    if (text === "") return undefined as T;
    const ct = res.res.headers["content-type"] ?? "";
    if (ct.includes("json") || text.startsWith("{") || text.startsWith("[")) {
      try {
        return JSON.parse(text) as T;
      } catch (e) {
        throw new Error(`invalid JSON from ${method} ${path}`, { cause: e });
      }
    }
    return text as T;
  }

  /**
   * Sends a request and returns the response as a stream once its headers
   * arrived with a 2xx status. Aborting `signal` destroys the stream.
   */
  async stream(method: string, path: string, opts: RequestOptions = {}): Promise<http.IncomingMessage> {
    return (await this.send(method, path, opts, true)).res;
  }

  private async getSession(force: boolean): Promise<Session> {
    const now = Date.now();
    if (!force && this.session !== undefined && now - this.session.fetchedAt < this.opts.authRefreshMs) return this.session;
    if (this.sessionPending !== undefined) return this.sessionPending;
    this.sessionPending = (async (): Promise<Session> => {
      const m: AuthMaterial = this.auth !== undefined ? await this.auth() : {};
      const tlsKey = tlsKeyOf(m);
      let agent = this.session?.agent;
      let streamAgent = this.session?.streamAgent;
      if (agent === undefined || streamAgent === undefined || this.session?.tlsKey !== tlsKey) {
        if (agent !== undefined) this.retire(agent);
        if (streamAgent !== undefined) this.retire(streamAgent);
        agent = this.makeAgent(m, { keepAlive: true, maxSockets: this.opts.maxSockets, scheduling: "lifo" });
        // keepAlive also turns on TCP keep-alive probes, which detect dead watch peers
        streamAgent = this.makeAgent(m, { keepAlive: true, maxFreeSockets: 4 });
      }
      const headers: Record<string, string> = { ...(m.headers ?? {}) };
      if (m.basicAuth !== undefined && headers.Authorization === undefined) {
        headers.Authorization = `Basic ${Buffer.from(m.basicAuth).toString("base64")}`;
      }
      const s: Session = { agent, streamAgent, headers, fetchedAt: Date.now(), tlsKey };
      this.session = s;
      return s;
    })();
    try {
      return await this.sessionPending;
    } finally {
      this.sessionPending = undefined;
    }
  }

  /** Old credentials' agents keep serving their open requests for a while, then are closed. */
  private retire(agent: http.Agent): void {
    this.retiredAgents.push(agent);
    setTimeout(() => {
      agent.destroy();
      const i = this.retiredAgents.indexOf(agent);
      if (i >= 0) this.retiredAgents.splice(i, 1);
    }, 10 * 60_000).unref();
  }

  private makeAgent(m: AuthMaterial, common: http.AgentOptions): http.Agent {
    if (this.server.protocol !== "https:") return new http.Agent(common);
    return new https.Agent({
      ...common,
      ...(m.ca !== undefined ? { ca: m.ca } : {}),
      ...(m.cert !== undefined ? { cert: m.cert } : {}),
      ...(m.key !== undefined ? { key: m.key } : {}),
      ...(m.pfx !== undefined ? { pfx: m.pfx } : {}),
      ...(m.passphrase !== undefined ? { passphrase: m.passphrase } : {}),
      ...(m.rejectUnauthorized !== undefined ? { rejectUnauthorized: m.rejectUnauthorized } : {}),
      ...(m.servername !== undefined ? { servername: m.servername } : {}),
    });
  }

  private async send(
    method: string,
    path: string,
    opts: RequestOptions,
    stream: boolean,
  ): Promise<{ res: http.IncomingMessage; body?: Buffer }> {
    const query = opts.query ?? {};
    const verb = opts.verb ?? verbFor(method, query.watch === true || query.watch === "true" || query.watch === 1);
    const url = new URL(this.server.toString().replace(/\/$/, "") + path + buildQuery(query));
    let body: Buffer | undefined;
    if (opts.body !== undefined) {
      body = Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body));
    }
    let forceAuth = false;
    let socketRetries = 0;
    for (let attempt = 0; ; attempt++) {
      if (opts.signal?.aborted === true) throw abortReason(opts.signal);
      const session = await this.getSession(forceAuth);
      const headers: Record<string, string> = {
        Accept: opts.accept ?? "application/json",
        "User-Agent": this.opts.userAgent,
        ...session.headers,
        ...(opts.headers ?? {}),
      };
      if (body !== undefined) {
        headers["Content-Type"] = opts.contentType ?? "application/json";
        headers["Content-Length"] = String(body.length);
      }
      this.counter.record(verb, body?.length ?? 0);
      let res: http.IncomingMessage;
      let resBody: Buffer | undefined;
      try {
        ({ res, body: resBody } = await this.attempt(method, url, headers, body, stream ? session.streamAgent : session.agent, opts, stream));
      } catch (e) {
        this.counter.recordError();
        this.recordRequest(undefined, method);
        const code = (e as { code?: unknown }).code;
        if ((verb === "GET" || verb === "LIST") && typeof code === "string" && RETRYABLE_SOCKET_CODES.has(code) && socketRetries < 1) {
          socketRetries++;
          continue;
        }
        if (isNoAnswer(e)) this.onNoAnswer?.(e as Error);
        throw e;
      }
      this.noteWarnings(res);
      const status = res.statusCode ?? 0;
      this.recordRequest(status, method);
      if (status !== 502 && status !== 503 && status !== 504) this.onAnswer?.();
      if (status >= 200 && status < 300) {
        opts.onStatus?.(status);
        return resBody !== undefined ? { res, body: resBody } : { res };
      }
      this.counter.recordError();
      if (stream) resBody = await readAll(res).catch(() => Buffer.alloc(0));
      const text = resBody?.toString("utf8") ?? "";
      const retryAfter = parseRetryAfter(headerValue(res.headers["retry-after"]));
      if ((status === 429 || (status >= 500 && retryAfter !== undefined)) && attempt < (opts.maxRetries ?? this.opts.maxRetries)) {
        this.counter.recordThrottled();
        const wait = Math.min(this.opts.maxRetryAfterMs, retryAfter ?? Math.min(1000 * 2 ** attempt, this.opts.maxRetryAfterMs));
        this.log.debug({ method, path, status, waitMs: wait, attempt }, "Throttled by the API server, retrying");
        await sleep(wait, opts.signal);
        continue;
      }
      if (status === 401 && !forceAuth && this.auth !== undefined) {
        forceAuth = true;
        continue;
      }
      const apiErr = new KubeApiError({
        statusCode: status,
        status: decodeStatus(status, text),
        method,
        path,
        ...(opts.object !== undefined ? { object: opts.object } : {}),
      });
      if (isNoAnswer(apiErr)) this.onNoAnswer?.(apiErr);
      throw apiErr;
    }
  }

  private attempt(
    method: string,
    url: URL,
    headers: Record<string, string>,
    body: Buffer | undefined,
    agent: http.Agent,
    opts: RequestOptions,
    stream: boolean,
  ): Promise<{ res: http.IncomingMessage; body?: Buffer }> {
    return new Promise((resolve, reject) => {
      const mod = url.protocol === "https:" ? https : http;
      const req = mod.request(url, { method, headers, agent });
      const signal = opts.signal;
      let settled = false;
      const timeoutMs = opts.timeoutMs ?? this.opts.timeoutMs;
      const timer = setTimeout(() => {
        req.destroy(Object.assign(new Error(`${method} ${url.pathname} timed out after ${timeoutMs} ms`), { code: "ETIMEDOUT" }));
      }, timeoutMs);
      const onAbort = (): void => {
        req.destroy(abortReason(signal as AbortSignal));
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      req.on("error", (e) => {
        cleanup();
        if (!settled) {
          settled = true;
          reject(e);
        }
      });
      req.on("response", (res) => {
        if (stream && (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300) {
          clearTimeout(timer);
          settled = true;
          res.on("close", cleanup);
          resolve({ res });
          return;
        }
        if (stream) {
          // an error answer on a stream: hand it back unread; the caller reads the body
          clearTimeout(timer);
          settled = true;
          res.on("close", cleanup);
          resolve({ res });
          return;
        }
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          cleanup();
          settled = true;
          resolve({ res, body: Buffer.concat(chunks) });
        });
        res.on("error", (e) => {
          cleanup();
          if (!settled) {
            settled = true;
            reject(e);
          }
        });
      });
      req.end(body);
    });
  }

  private noteWarnings(res: http.IncomingMessage): void {
    const w = res.headers.warning;
    if (w === undefined) return;
    for (const text of Array.isArray(w) ? w : [w]) {
      if (this.warned.has(text)) continue;
      if (this.warned.size < 256) this.warned.add(text);
      this.log.warn({ warning: text }, "API server warning");
    }
  }
}
