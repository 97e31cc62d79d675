/**
 * KubeClient: a thin, typed REST client for any resource, over a keep-alive
 * HTTPS agent. KubeConfig (from @kubernetes/client-node) is used only to load
 * the cluster URL and credentials.
 *
 *   const client = KubeClient.fromFile(path);
 *   const cm = await client.get(ConfigMaps, "name", { namespace: "ns" });
 *   await client.apply(ConfigMaps, desired, { fieldManager: "work-agent", force: true });
 *   for await (const ev of client.watch(ConfigMaps, { namespace: "ns", resourceVersion })) …
 */
import { setMaxListeners } from "node:events";
import https from "node:https";
import fs from "node:fs";
import { KubeConfig } from "@kubernetes/client-node";
import type { KubeObject } from "@work-api/api";
import { isGone, type Status } from "./errors.js";
import { describeObject, resourcePath, apiVersionOf, type ObjectLike, type QueryParams, type ResourceRef } from "./paths.js";
import type { RequestStats } from "./stats.js";
import { Transport, type AuthMaterial, type RequestOptions, type TransportOptions } from "./transport.js";
import type {
  ApplyOptions,
  DeleteOptions,
  KubeClientOptions,
  ListOptions,
  ListResult,
  ObjectCallOptions,
  PatchOptions,
  PatchType,
  RawRequestOptions,
  WatchOptions,
  WriteOptions,
} from "./client-options.js";
import { WatchDecoder, type WatchEvent } from "./watchstream.js";

const PATCH_CONTENT_TYPES: Record<PatchType | "apply", string> = {
  merge: "application/merge-patch+json",
  json: "application/json-patch+json",
  strategic: "application/strategic-merge-patch+json",
  apply: "application/apply-patch+yaml",
};

function nameOf(obj: ObjectLike): string {
  const n = obj.metadata?.name;
  if (n === undefined || n === "") throw new Error("object has no metadata.name");
  return n;
}

function nsFor(ref: ResourceRef, opts: { namespace?: string } | undefined, obj?: ObjectLike): string | undefined {
  if (!ref.namespaced) return undefined;
  const ns = opts?.namespace ?? obj?.metadata?.namespace;
  return ns === "" ? undefined : ns;
}

function requireNs(ref: ResourceRef, ns: string | undefined, what: string): string | undefined {
  if (ref.namespaced && ns === undefined) throw new Error(`${what} of namespaced ${ref.resource} needs a namespace`);
  return ns;
}

/** A REST client for one API server. */
export class KubeClient {
  readonly transport: Transport;

  constructor(opts: TransportOptions) {
    this.transport = new Transport(opts);
  }

  /**
   * A client sharing this one's connections whose every request also ends when `signal` aborts:
   * for a leadership term, so that once the Lease is lost nothing more is sent and nothing in
   * flight is waited for (its socket is cut).
   */
  withSignal(signal: AbortSignal): KubeClient {
    const base = this.transport;
    // Every request in flight listens on the term's signal.
    setMaxListeners(0, signal);
    // Plain listeners, removed when the request ends, rather than AbortSignal.any on a long-lived
    // signal (Node 20 keeps every composite of a signal alive until that signal aborts).
    const linked = (own: AbortSignal | undefined): { signal: AbortSignal; done: () => void } => {
      if (own === undefined) return { signal, done: () => undefined };
      const ac = new AbortController();
      const fromOwn = (): void => ac.abort(own.reason);
      const fromTerm = (): void => ac.abort(signal.reason);
      if (own.aborted) fromOwn();
      else own.addEventListener("abort", fromOwn, { once: true });
      if (signal.aborted) fromTerm();
      else signal.addEventListener("abort", fromTerm, { once: true });
      return {
        signal: ac.signal,
        done: (): void => {
          own.removeEventListener("abort", fromOwn);
          signal.removeEventListener("abort", fromTerm);
        },
      };
    };
    const transport = Object.create(base) as Transport;
    transport.request = async <T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> => {
      const l = linked(opts.signal);
      try {
        return await base.request<T>(method, path, { ...opts, signal: l.signal });
      } finally {
        l.done();
      }
    };
    transport.stream = async (method: string, path: string, opts: RequestOptions = {}) => {
      const l = linked(opts.signal);
      try {
        const res = await base.stream(method, path, { ...opts, signal: l.signal });
        // A stream lives on after its headers: unlink when it closes.
        res.once("close", l.done);
        return res;
      } catch (err) {
        l.done();
        throw err;
      }
    };
    const c = Object.create(KubeClient.prototype) as KubeClient;
    Object.defineProperty(c, "transport", { value: transport, enumerable: true });
    return c;
  }

  /**
   * A client sharing this one's connections whose every request acts as `user`
   * (`Impersonate-User`; for "system:serviceaccount:NS:NAME" the API server adds the
   * ServiceAccount's groups itself). The caller's identity needs `impersonate` on that user
   * (for a ServiceAccount: on `serviceaccounts`, in its namespace); the API server then
   * authorizes each request as the impersonated user.
   */
  impersonating(user: string): KubeClient {
    const base = this.transport;
    const transport = Object.create(base) as Transport;
    const withUser = (opts: RequestOptions): RequestOptions => ({ ...opts, headers: { ...(opts.headers ?? {}), "Impersonate-User": user } });
    transport.request = <T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> => base.request<T>(method, path, withUser(opts));
    transport.stream = (method: string, path: string, opts: RequestOptions = {}) => base.stream(method, path, withUser(opts));
    const c = Object.create(KubeClient.prototype) as KubeClient;
    Object.defineProperty(c, "transport", { value: transport, enumerable: true });
    return c;
  }

  /**
   * From a loaded KubeConfig (its current context), or a getter returning the
   * current one. Auth is re-applied every `authRefreshMs` and after a 401.
   */
  static fromKubeConfig(kc: KubeConfig | (() => KubeConfig), opts: KubeClientOptions = {}): KubeClient {
    // A getter lets the caller swap credentials (e.g. a rotated token): auth is re-read from it on every refresh and after a 401.
    const current = typeof kc === "function" ? kc : (): KubeConfig => kc;
    const cluster = current().getCurrentCluster();
    if (cluster === null) throw new Error("kubeconfig has no current cluster");
    const auth = async (): Promise<AuthMaterial> => {
      const o: https.RequestOptions = {};
      await current().applyToHTTPSOptions(o);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(o.headers ?? {})) {
        if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : String(v);
      }
      return {
        ca: o.ca,
        cert: o.cert,
        key: o.key,
        pfx: o.pfx,
        passphrase: o.passphrase,
        rejectUnauthorized: o.rejectUnauthorized,
        servername: o.servername,
        headers,
        basicAuth: o.auth ?? undefined,
      };
    };
    return new KubeClient({ ...opts, server: cluster.server, auth });
  }

  /** From a kubeconfig file (optionally a named context). */
  static fromFile(path: string, opts: KubeClientOptions & { context?: string } = {}): KubeClient {
    const kc = new KubeConfig();
    kc.loadFromFile(path);
    if (opts.context !== undefined) kc.setCurrentContext(opts.context);
    return KubeClient.fromKubeConfig(kc, opts);
  }

  /**
   * In-cluster config (service account token, re-read as it rotates) when
   * running in a pod; otherwise $KUBECONFIG, then ~/.kube/config.
   */
  static fromDefault(opts: KubeClientOptions = {}): KubeClient {
    const kc = new KubeConfig();
    const inCluster =
      process.env.KUBERNETES_SERVICE_HOST !== undefined && fs.existsSync("/var/run/secrets/kubernetes.io/serviceaccount/token");
    if (inCluster) kc.loadFromCluster();
    else kc.loadFromDefault();
    return KubeClient.fromKubeConfig(kc, opts);
  }

  /** Request counts by verb (GET/LIST/WATCH/POST/PUT/PATCH/DELETE, writes, total). */
  stats(): RequestStats {
    return this.transport.stats();
  }

  /** Zeroes the request counts. */
  resetStats(): void {
    this.transport.resetStats();
  }

  /** Releases the keep-alive sockets; open watches are cut. */
  close(): void {
    this.transport.close();
  }

  /** Any request; the answer is decoded from JSON. */
  request<T = unknown>(method: string, path: string, opts: RawRequestOptions = {}): Promise<T> {
    if (opts.stream === true) return this.transport.stream(method, path, opts) as Promise<T>;
    return this.transport.request<T>(method, path, opts);
  }

  async get<T extends ObjectLike = KubeObject>(ref: ResourceRef, name: string, opts: ObjectCallOptions = {}): Promise<T> {
    const ns = requireNs(ref, nsFor(ref, opts), "get");
    return this.transport.request<T>("GET", resourcePath(ref, { namespace: ns, name }), {
      verb: "GET",
      object: describeObject(ref.kind ?? ref.resource, ns, name),
      ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    });
  }

  /** One page (or all, without `limit`) of a collection. Items get apiVersion/kind when `ref.kind` is known. */
  async list<T extends ObjectLike = KubeObject>(ref: ResourceRef, opts: ListOptions = {}): Promise<ListResult<T>> {
    const ns = nsFor(ref, opts);
    const query: QueryParams = {
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
      limit: opts.limit,
      continue: opts.continue,
      resourceVersion: opts.resourceVersion,
      resourceVersionMatch: opts.resourceVersionMatch,
    };
    const res = await this.transport.request<{ items?: T[] | null; metadata?: { resourceVersion?: string; continue?: string; remainingItemCount?: number } }>(
      "GET",
      resourcePath(ref, { namespace: ns }),
      { verb: "LIST", query, ...(opts.signal !== undefined ? { signal: opts.signal } : {}) },
    );
    const items = res.items ?? [];
    if (ref.kind !== undefined) {
      const apiVersion = apiVersionOf(ref);
      for (const it of items as ObjectLike[]) {
        it.apiVersion ??= apiVersion;
        it.kind ??= ref.kind;
      }
    }
    const out: ListResult<T> = { items, resourceVersion: res.metadata?.resourceVersion ?? "" };
    if (res.metadata?.continue !== undefined && res.metadata.continue !== "") out.continue = res.metadata.continue;
    if (res.metadata?.remainingItemCount !== undefined) out.remainingItemCount = res.metadata.remainingItemCount;
    return out;
  }

  /**
   * Every item, fetched in pages of `pageSize` (default 500). The pages form
   * one consistent snapshot; if the continue token expires mid-way, the list
   * is retried unpaginated.
   */
  async listAll<T extends ObjectLike = KubeObject>(
    ref: ResourceRef,
    opts: Omit<ListOptions, "limit" | "continue"> & { pageSize?: number } = {},
  ): Promise<ListResult<T>> {
    const { pageSize = 500, ...rest } = opts;
    const items: T[] = [];
    let cont: string | undefined;
    let resourceVersion = "";
    do {
      let page: ListResult<T>;
      try {
        page = await this.list<T>(ref, { ...rest, limit: pageSize, ...(cont !== undefined ? { continue: cont } : {}) });
      } catch (e) {
        if (cont !== undefined && isGone(e)) return this.list<T>(ref, rest);
        throw e;
      }
      items.push(...page.items);
      if (resourceVersion === "") resourceVersion = page.resourceVersion;
      cont = page.continue;
    } while (cont !== undefined);
    return { items, resourceVersion };
  }

  async create<T extends ObjectLike = KubeObject>(ref: ResourceRef, obj: T, opts: WriteOptions = {}): Promise<T & KubeObject> {
    const ns = requireNs(ref, nsFor(ref, opts, obj), "create");
    return this.transport.request<T & KubeObject>("POST", resourcePath(ref, { namespace: ns }), {
      verb: "POST",
      body: obj,
      query: writeQuery(opts),
      object: describeObject(ref.kind ?? obj.kind, ns, obj.metadata?.name ?? obj.metadata?.generateName),
      ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    });
  }

  /** PUT; conditional on `metadata.resourceVersion` when set (409 Conflict if stale). */
  async update<T extends ObjectLike = KubeObject>(ref: ResourceRef, obj: T, opts: WriteOptions = {}): Promise<T & KubeObject> {
    return this.put(ref, obj, opts, undefined);
  }

  /**
   * PUT on the status subresource. `metadata.resourceVersion` is required, so
   * a stale object can never overwrite a newer one: the server answers 409.
   */
  async updateStatus<T extends ObjectLike = KubeObject>(ref: ResourceRef, obj: T, opts: WriteOptions = {}): Promise<T & KubeObject> {
    if (obj.metadata?.resourceVersion === undefined || obj.metadata.resourceVersion === "") {
      throw new Error("updateStatus needs metadata.resourceVersion (optimistic concurrency)");
    }
    return this.put(ref, obj, opts, "status");
  }

  private put<T extends ObjectLike>(ref: ResourceRef, obj: T, opts: WriteOptions, subresource: string | undefined): Promise<T & KubeObject> {
    const ns = requireNs(ref, nsFor(ref, opts, obj), "update");
    const name = nameOf(obj);
    return this.transport.request<T & KubeObject>("PUT", resourcePath(ref, { namespace: ns, name, subresource }), {
      verb: "PUT",
      body: obj,
      query: writeQuery(opts),
      object: describeObject(ref.kind ?? obj.kind, ns, name),
      ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    });
  }

  /** PATCH with a merge (default), JSON or strategic-merge patch. */
  async patch<T extends ObjectLike = KubeObject>(ref: ResourceRef, name: string, patch: unknown, opts: PatchOptions = {}): Promise<T> {
    const ns = requireNs(ref, nsFor(ref, opts), "patch");
    return this.transport.request<T>("PATCH", resourcePath(ref, { namespace: ns, name, subresource: opts.subresource }), {
      verb: "PATCH",
      body: patch,
      contentType: PATCH_CONTENT_TYPES[opts.type ?? "merge"],
      query: writeQuery(opts),
      object: describeObject(ref.kind, ns, name),
      ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    });
  }

  /** Server-side apply of `obj` (which must carry apiVersion, kind and name). */
  async apply<T extends ObjectLike = KubeObject>(ref: ResourceRef, obj: T, opts: ApplyOptions): Promise<T & KubeObject> {
    if (opts.fieldManager === "") throw new Error("server-side apply needs a fieldManager");
    const ns = requireNs(ref, nsFor(ref, opts, obj), "apply");
    const name = nameOf(obj);
    return this.transport.request<T & KubeObject>("PATCH", resourcePath(ref, { namespace: ns, name, subresource: opts.subresource }), {
      verb: "PATCH",
      body: obj,
      contentType: PATCH_CONTENT_TYPES.apply,
      query: {
        fieldManager: opts.fieldManager,
        force: opts.force,
        fieldValidation: opts.fieldValidation ?? "Strict",
        dryRun: opts.dryRun === true ? "All" : undefined,
      },
      object: describeObject(ref.kind ?? obj.kind, ns, name),
      ...(opts.onStatus !== undefined ? { onStatus: opts.onStatus } : {}),
      ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    });
  }

  /** DELETE; returns the object (still terminating) or a Status. */
  async delete<T extends ObjectLike = KubeObject>(ref: ResourceRef, name: string, opts: DeleteOptions = {}): Promise<T | Status> {
    const ns = requireNs(ref, nsFor(ref, opts), "delete");
    const body: Record<string, unknown> = { apiVersion: "v1", kind: "DeleteOptions" };
    if (opts.preconditions !== undefined) body.preconditions = opts.preconditions;
    if (opts.propagationPolicy !== undefined) body.propagationPolicy = opts.propagationPolicy;
    if (opts.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = opts.gracePeriodSeconds;
    if (opts.dryRun === true) body.dryRun = ["All"];
    return this.transport.request<T | Status>("DELETE", resourcePath(ref, { namespace: ns, name }), {
      verb: "DELETE",
      body,
      object: describeObject(ref.kind, ns, name),
      ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    });
  }

  /**
   * Watches a collection. Iterating sends the request; the iteration ends
   * when the server closes the stream (timeoutSeconds) or `signal` aborts,
   * and throws on HTTP errors (a {@link KubeApiError}) and broken streams.
   * ERROR events (e.g. 410 Expired) are yielded, not thrown.
   */
  async *watch<T extends ObjectLike = KubeObject>(ref: ResourceRef, opts: WatchOptions = {}): AsyncGenerator<WatchEvent<T>, void, undefined> {
    const ac = new AbortController();
    const outer = opts.signal;
    const onAbort = (): void => ac.abort(outer?.reason);
    if (outer?.aborted === true) return;
    outer?.addEventListener("abort", onAbort, { once: true });
    const deadline =
      opts.timeoutSeconds !== undefined ? setTimeout(() => ac.abort(new Error("watch exceeded its timeout")), opts.timeoutSeconds * 1000 + 30_000) : undefined;
    try {
      const ns = nsFor(ref, opts);
      const res = await this.transport.stream("GET", resourcePath(ref, { namespace: ns }), {
        verb: "WATCH",
        signal: ac.signal,
        query: {
          watch: true,
          resourceVersion: opts.resourceVersion,
          allowWatchBookmarks: opts.allowWatchBookmarks ?? true,
          timeoutSeconds: opts.timeoutSeconds,
          labelSelector: opts.labelSelector,
          fieldSelector: opts.fieldSelector,
          sendInitialEvents: opts.sendInitialEvents,
          resourceVersionMatch: opts.resourceVersionMatch,
        },
      });
      const decoder = new WatchDecoder<T>();
      try {
        for await (const chunk of res) {
          for (const ev of decoder.push(chunk as Buffer)) yield ev;
        }
        for (const ev of decoder.end()) yield ev;
      } finally {
        res.destroy();
      }
    } catch (e) {
      if (ac.signal.aborted && outer !== undefined && outer.aborted) return;
      throw e;
    } finally {
      if (deadline !== undefined) clearTimeout(deadline);
      outer?.removeEventListener("abort", onAbort);
      ac.abort();
    }
  }
}

function writeQuery(opts: WriteOptions): QueryParams {
  return {
    dryRun: opts.dryRun === true ? "All" : undefined,
    fieldManager: opts.fieldManager,
    fieldValidation: opts.fieldValidation,
  };
}
