/**
 * An in-memory Kubernetes API server over HTTP, for unit tests of anything
 * built on {@link KubeClient}: CRUD with resourceVersions, preconditions and
 * finalizers, list pagination, watches (with replay, bookmarks and 410 after
 * `compact()`), discovery, and fault injection. Semantics are simplified:
 * apply and strategic patches are JSON merge patches, selectors support
 * equality only, and there is no validation or admission.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import type { KubeObject } from "@work-api/api";
import type { Status } from "./errors.js";
import { KubeClient } from "./client.js";
import type { KubeClientOptions } from "./client-options.js";
import { apiVersionOf, makeKey, type ResourceRef } from "./paths.js";
import { serveDiscovery } from "./fake-discovery.js";

import type { FakeResource } from "./fake-discovery.js";

interface StoredEvent {
  rv: number;
  res: string;
  type: "ADDED" | "MODIFIED" | "DELETED";
  object: KubeObject;
}

interface ActiveWatch {
  res: string;
  namespace: string | undefined;
  selector: (o: KubeObject) => boolean;
  bookmarks: boolean;
  out: http.ServerResponse;
}

interface Fault {
  method?: string;
  pathIncludes?: string;
  status: number;
  retryAfter?: string;
  count: number;
}

/** One request the fake received. */
export interface FakeRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
}

const CORE: FakeResource[] = [
  { group: "", version: "v1", resource: "namespaces", kind: "Namespace", namespaced: false },
  { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: true },
  { group: "", version: "v1", resource: "events", kind: "Event", namespaced: true },
  { group: "coordination.k8s.io", version: "v1", resource: "leases", kind: "Lease", namespaced: true },
];

const refKey = (r: Pick<ResourceRef, "group" | "version" | "resource">): string => `${r.group}/${r.version}/${r.resource}`;

function status(code: number, reason: string, message: string): Status {
  return { kind: "Status", apiVersion: "v1", status: "Failure", code, reason, message };
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target !== null && typeof target === "object" && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function selectorFn(label: string | undefined, field: string | undefined): (o: KubeObject) => boolean {
  const reqs = (label ?? "")
    .split(",")
    .filter((s) => s !== "")
    .map((s) => {
      const neg = s.includes("!=");
      const [k, v] = s.split(neg ? "!=" : s.includes("==") ? "==" : "=") as [string, string | undefined];
      return { k: k.trim(), v: v?.trim(), neg };
    });
  const fields = (field ?? "")
    .split(",")
    .filter((s) => s !== "")
    .map((s) => s.split("=") as [string, string]);
  return (o) =>
    reqs.every(({ k, v, neg }) => {
      const have = o.metadata?.labels?.[k];
      if (v === undefined) return have !== undefined;
      return neg ? have !== v : have === v;
    }) &&
    fields.every(([k, v]) => (k === "metadata.name" ? o.metadata?.name === v : k === "metadata.namespace" ? o.metadata?.namespace === v : true));
}

/** The fake server. Create with {@link FakeApiServer.start}. */
export class FakeApiServer {
  /** Every request received, in order. */
  readonly requests: FakeRequest[] = [];
  private readonly server: http.Server;
  private readonly resources = new Map<string, FakeResource>();
  private readonly store = new Map<string, Map<string, KubeObject>>();
  private readonly events: StoredEvent[] = [];
  private readonly watches = new Set<ActiveWatch>();
  private readonly faults: Fault[] = [];
  private rv = 100;
  private compactedRv = 0;
  private port = 0;
  /** Serve aggregated discovery (default true); false = only the legacy per-group documents. */
  aggregatedDiscovery = true;

  private constructor(resources: FakeResource[]) {
    for (const r of [...CORE, ...resources]) this.addResource(r);
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        this.send(res, 500, status(500, "InternalError", String(e)));
      });
    });
  }

  /** Starts listening on 127.0.0.1 (random port). Namespaces, ConfigMaps, Events and Leases are built in. */
  static async start(resources: FakeResource[] = []): Promise<FakeApiServer> {
    const s = new FakeApiServer(resources);
    await new Promise<void>((resolve) => s.server.listen(0, "127.0.0.1", resolve));
    s.port = (s.server.address() as AddressInfo).port;
    return s;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** A client for this server. */
  client(opts: KubeClientOptions = {}): KubeClient {
    return new KubeClient({ ...opts, server: this.url });
  }

  addResource(r: FakeResource): void {
    this.resources.set(refKey(r), r);
    if (!this.store.has(refKey(r))) this.store.set(refKey(r), new Map());
  }

  /** Current objects of a resource. */
  objects(r: Pick<ResourceRef, "group" | "version" | "resource">): KubeObject[] {
    return [...(this.store.get(refKey(r))?.values() ?? [])];
  }

  /** The current resourceVersion counter. */
  get resourceVersion(): string {
    return String(this.rv);
  }

  /** Answers the next `count` matching requests with `status` (optionally with Retry-After). */
  failNext(match: { method?: string; pathIncludes?: string }, statusCode: number, opts: { retryAfter?: string; count?: number } = {}): void {
    this.faults.push({ ...match, status: statusCode, count: opts.count ?? 1, ...(opts.retryAfter !== undefined ? { retryAfter: opts.retryAfter } : {}) });
  }

  /** Removes all pending injected faults. */
  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Cuts every open watch connection (as a load balancer or restart would). */
  dropWatches(): void {
    for (const w of this.watches) w.out.destroy();
    this.watches.clear();
  }

  /** Forgets the event history: watches from an older resourceVersion get a 410 ERROR event. */
  compact(): void {
    this.compactedRv = this.rv;
    this.events.length = 0;
  }

  /** Sends an ERROR 410 event on every open watch and closes them. */
  expireWatches(): void {
    this.compact();
    for (const w of this.watches) {
      this.writeEvent(w.out, "ERROR", status(410, "Expired", "too old resource version"));
      w.out.end();
    }
    this.watches.clear();
  }

  /** Sends a BOOKMARK with the current resourceVersion to watches that asked for them. */
  bookmark(): void {
    for (const w of this.watches) {
      if (w.bookmarks) this.writeEvent(w.out, "BOOKMARK", { kind: this.resources.get(w.res)?.kind, metadata: { resourceVersion: String(this.rv) } });
    }
  }

  /** Number of open watch connections. */
  get watchCount(): number {
    return this.watches.size;
  }

  async close(): Promise<void> {
    this.dropWatches();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Writes an object directly (bumping resourceVersion and notifying watches). */
  put(r: Pick<ResourceRef, "group" | "version" | "resource">, obj: KubeObject): KubeObject {
    const m = this.store.get(refKey(r));
    if (m === undefined) throw new Error(`unknown resource ${refKey(r)}`);
    const key = makeKey(obj.metadata?.namespace, obj.metadata?.name ?? "");
    const existed = m.has(key);
    const o = this.stamp(r, { ...obj, metadata: { uid: randomUUID(), creationTimestamp: new Date().toISOString(), ...obj.metadata } });
    m.set(key, o);
    this.emit(refKey(r), existed ? "MODIFIED" : "ADDED", o);
    return o;
  }

  /** Removes an object directly (notifying watches). */
  remove(r: Pick<ResourceRef, "group" | "version" | "resource">, namespace: string | undefined, name: string): void {
    const m = this.store.get(refKey(r));
    const key = makeKey(namespace, name);
    const o = m?.get(key);
    if (m === undefined || o === undefined) return;
    m.delete(key);
    this.emit(refKey(r), "DELETED", this.stamp(r, o));
  }

  private stamp(r: Pick<ResourceRef, "group" | "version" | "resource">, obj: KubeObject): KubeObject {
    const res = this.resources.get(refKey(r)) as FakeResource;
    this.rv++;
    return { ...obj, apiVersion: apiVersionOf(res), kind: res.kind, metadata: { ...obj.metadata, resourceVersion: String(this.rv) } };
  }

  private emit(res: string, type: StoredEvent["type"], object: KubeObject): void {
    const ev = { rv: Number(object.metadata?.resourceVersion), res, type, object };
    this.events.push(ev);
    for (const w of this.watches) {
      if (w.res === res && this.watchMatches(w, object)) this.writeEvent(w.out, type, object);
    }
  }

  private watchMatches(w: ActiveWatch, o: KubeObject): boolean {
    return (w.namespace === undefined || o.metadata?.namespace === w.namespace) && w.selector(o);
  }

  private writeEvent(out: http.ServerResponse, type: string, object: unknown): void {
    if (!out.writableEnded) out.write(`${JSON.stringify({ type, object })}\n`);
  }

  private send(res: http.ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
    if (res.headersSent) {
      res.end();
      return;
    }
    res.writeHead(code, { "Content-Type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://x");
    const q = Object.fromEntries(url.searchParams.entries());
    const method = req.method ?? "GET";
    this.requests.push({ method, path: url.pathname, query: q, headers: req.headers });
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const body: unknown = raw === "" ? undefined : JSON.parse(raw);

    const fault = this.faults.find((f) => (f.method === undefined || f.method === method) && (f.pathIncludes === undefined || url.pathname.includes(f.pathIncludes)));
    if (fault !== undefined) {
      if (--fault.count <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
      const reason = fault.status === 429 ? "TooManyRequests" : (http.STATUS_CODES[fault.status] ?? "").replace(/ /g, "");
      this.send(res, fault.status, status(fault.status, reason, "injected fault"), fault.retryAfter !== undefined ? { "Retry-After": fault.retryAfter } : {});
      return;
    }
    const disc = serveDiscovery([...this.resources.values()], this.aggregatedDiscovery, url.pathname, req.headers.accept ?? "");
    if (disc !== undefined) return this.send(res, disc.code, disc.body, disc.headers);

    const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/(.*)$/.exec(url.pathname);
    if (m === null) return this.send(res, 404, status(404, "NotFound", "the server could not find the requested resource"));
    const [group, version] = m[1] !== undefined ? ["", m[1]] : [m[2] as string, m[3] as string];
    let segs = (m[4] as string).split("/").filter((s) => s !== "").map(decodeURIComponent);
    let namespace: string | undefined;
    if (segs[0] === "namespaces" && segs.length >= 3) {
      namespace = segs[1];
      segs = segs.slice(2);
    }
    const [resource, name, sub] = segs as [string, string | undefined, string | undefined];
    const r = this.resources.get(refKey({ group, version, resource }));
    if (r === undefined) return this.send(res, 404, status(404, "NotFound", `the server could not find the requested resource (${resource})`));
    const store = this.store.get(refKey(r)) as Map<string, KubeObject>;
    const what = `${r.resource}${r.group ? `.${r.group}` : ""} "${name ?? ""}"`;
    const notFound = (): void => this.send(res, 404, { ...status(404, "NotFound", `${what} not found`), details: { name, kind: r.resource } });

    if (name === undefined) {
      if (method === "GET" && q.watch === "true") return this.watch(r, namespace, q, res);
      if (method === "GET") return this.list(r, store, namespace, q, res);
      if (method === "POST") return this.create(r, store, namespace, body as KubeObject, res);
      return this.send(res, 405, status(405, "MethodNotAllowed", "method not allowed"));
    }
    const key = makeKey(namespace, name);
    const cur = store.get(key);
    switch (method) {
      case "GET":
        return cur === undefined ? notFound() : this.send(res, 200, cur);
      case "PUT": {
        if (cur === undefined) return notFound();
        const obj = body as KubeObject;
        const rv = obj.metadata?.resourceVersion;
        if (rv !== undefined && rv !== "" && rv !== cur.metadata?.resourceVersion) {
          return this.send(res, 409, status(409, "Conflict", `Operation cannot be fulfilled on ${what}: the object has been modified; please apply your changes to the latest version and try again`));
        }
        const next: KubeObject =
          sub === "status"
            ? { ...cur, status: obj.status }
            : { ...obj, status: cur.status, metadata: { ...obj.metadata, uid: cur.metadata?.uid, creationTimestamp: cur.metadata?.creationTimestamp, generation: (cur.metadata?.generation ?? 1) + (JSON.stringify(obj.spec) !== JSON.stringify(cur.spec) ? 1 : 0) } };
        return this.commit(r, store, key, next, res);
      }
      case "PATCH": {
        const isApply = (req.headers["content-type"] ?? "").includes("apply-patch");
        if ((req.headers["content-type"] ?? "").includes("json-patch")) return this.send(res, 415, status(415, "UnsupportedMediaType", "json patch not supported by the fake"));
        if (cur === undefined) {
          if (!isApply) return notFound();
          return this.create(r, store, namespace, body as KubeObject, res);
        }
        const next = mergePatch(cur, body) as KubeObject;
        next.metadata = { ...next.metadata, uid: cur.metadata?.uid, resourceVersion: cur.metadata?.resourceVersion };
        if (JSON.stringify(next) === JSON.stringify(cur)) return this.send(res, 200, cur);
        return this.commit(r, store, key, next, res);
      }
      case "DELETE": {
        if (cur === undefined) return notFound();
        const pre = (body as { preconditions?: { uid?: string; resourceVersion?: string } } | undefined)?.preconditions;
        if (pre?.uid !== undefined && pre.uid !== cur.metadata?.uid) {
          return this.send(res, 409, status(409, "Conflict", `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${cur.metadata?.uid ?? ""}`));
        }
        if (pre?.resourceVersion !== undefined && pre.resourceVersion !== cur.metadata?.resourceVersion) {
          return this.send(res, 409, status(409, "Conflict", "Precondition failed: resourceVersion mismatch"));
        }
        if ((cur.metadata?.finalizers?.length ?? 0) > 0) {
          if (cur.metadata?.deletionTimestamp !== undefined) return this.send(res, 200, cur);
          return this.commit(r, store, key, { ...cur, metadata: { ...cur.metadata, deletionTimestamp: new Date().toISOString() } }, res);
        }
        store.delete(key);
        this.emit(refKey(r), "DELETED", this.stamp(r, cur));
        return this.send(res, 200, { kind: "Status", apiVersion: "v1", status: "Success", details: { name, kind: r.resource, uid: cur.metadata?.uid } });
      }
      default:
        return this.send(res, 405, status(405, "MethodNotAllowed", "method not allowed"));
    }
  }

  private commit(r: FakeResource, store: Map<string, KubeObject>, key: string, next: KubeObject, res: http.ServerResponse): void {
    if (next.metadata?.deletionTimestamp !== undefined && (next.metadata.finalizers?.length ?? 0) === 0) {
      store.delete(key);
      const gone = this.stamp(r, next);
      this.emit(refKey(r), "DELETED", gone);
      return this.send(res, 200, gone);
    }
    const o = this.stamp(r, next);
    store.set(key, o);
    this.emit(refKey(r), "MODIFIED", o);
    this.send(res, 200, o);
  }

  private create(r: FakeResource, store: Map<string, KubeObject>, namespace: string | undefined, obj: KubeObject, res: http.ServerResponse): void {
    const md = { ...(obj.metadata ?? {}) };
    if ((md.name === undefined || md.name === "") && md.generateName !== undefined) md.name = md.generateName + randomUUID().slice(0, 5);
    if (md.name === undefined || md.name === "") return this.send(res, 422, status(422, "Invalid", "metadata.name: Required value"));
    if (r.namespaced) md.namespace = namespace ?? md.namespace;
    const key = makeKey(r.namespaced ? md.namespace : undefined, md.name);
    if (store.has(key)) return this.send(res, 409, { ...status(409, "AlreadyExists", `${r.resource} "${md.name}" already exists`), details: { name: md.name, kind: r.resource } });
    const o = this.stamp(r, { ...obj, metadata: { ...md, uid: randomUUID(), creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, "Z"), generation: 1 } });
    store.set(key, o);
    this.emit(refKey(r), "ADDED", o);
    this.send(res, 201, o);
  }

  private list(r: FakeResource, store: Map<string, KubeObject>, namespace: string | undefined, q: Record<string, string>, res: http.ServerResponse): void {
    const sel = selectorFn(q.labelSelector, q.fieldSelector);
    const all = [...store.values()].filter((o) => (namespace === undefined || o.metadata?.namespace === namespace) && sel(o)).sort((a, b) => makeKey(a.metadata?.namespace, a.metadata?.name ?? "").localeCompare(makeKey(b.metadata?.namespace, b.metadata?.name ?? "")));
    const start = q.continue !== undefined ? Number(Buffer.from(q.continue, "base64").toString()) : 0;
    const limit = q.limit !== undefined ? Number(q.limit) : all.length;
    const items = all.slice(start, start + limit);
    const more = start + limit < all.length;
    this.send(res, 200, {
      kind: `${r.kind}List`,
      apiVersion: apiVersionOf(r),
      metadata: { resourceVersion: String(this.rv), ...(more ? { continue: Buffer.from(String(start + limit)).toString("base64") } : {}) },
      items,
    });
  }

  private watch(r: FakeResource, namespace: string | undefined, q: Record<string, string>, res: http.ServerResponse): void {
    const w: ActiveWatch = { res: refKey(r), namespace, selector: selectorFn(q.labelSelector, q.fieldSelector), bookmarks: q.allowWatchBookmarks === "true", out: res };
    res.writeHead(200, { "Content-Type": "application/json", "Transfer-Encoding": "chunked" });
    res.flushHeaders();
    const from = q.resourceVersion;
    if (from === undefined || from === "" || from === "0") {
      for (const o of this.store.get(refKey(r))?.values() ?? []) if (this.watchMatches(w, o)) this.writeEvent(res, "ADDED", o);
    } else if (Number(from) < this.compactedRv) {
      this.writeEvent(res, "ERROR", status(410, "Expired", `too old resource version: ${from} (${this.compactedRv})`));
      res.end();
      return;
    } else {
      for (const ev of this.events) if (ev.res === w.res && ev.rv > Number(from) && this.watchMatches(w, ev.object)) this.writeEvent(res, ev.type, ev.object);
    }
    this.watches.add(w);
    const timeout = q.timeoutSeconds !== undefined ? setTimeout(() => res.end(), Number(q.timeoutSeconds) * 1000) : undefined;
    res.on("close", () => {
      if (timeout !== undefined) clearTimeout(timeout);
      this.watches.delete(w);
    });
  }
}
