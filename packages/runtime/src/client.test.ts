import http from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { KubeClient } from "./client.js";
import { KubeApiError, isAlreadyExists, isConflict, isNotFound, isTooManyRequests } from "./errors.js";
import { FakeApiServer } from "./fake-apiserver.js";
import { Registry } from "./metrics.js";
import { parseRetryAfter } from "./transport.js";

const CM = { group: "", version: "v1", resource: "configmaps", namespaced: true, kind: "ConfigMap" };
const NS = { group: "", version: "v1", resource: "namespaces", namespaced: false, kind: "Namespace" };

let api: FakeApiServer;
let client: KubeClient;

beforeAll(async () => {
  api = await FakeApiServer.start();
  client = api.client({ maxRetryAfterMs: 50 });
});
afterAll(async () => {
  client.close();
  await api.close();
});
beforeEach(() => client.resetStats());

describe("KubeClient CRUD", () => {
  it("creates, gets, updates, patches and deletes", async () => {
    const created = await client.create(CM, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: "ns1" }, data: { k: "v" } });
    expect(created.metadata?.uid).toBeTruthy();
    const got = await client.get(CM, "a", { namespace: "ns1" });
    expect(got.data).toEqual({ k: "v" });
    const updated = await client.update(CM, { ...got, data: { k: "v2" } });
    expect(updated.metadata?.resourceVersion).not.toBe(got.metadata?.resourceVersion);
    const patched = await client.patch(CM, "a", { data: { extra: "x" } }, { namespace: "ns1" });
    expect(patched.data).toEqual({ k: "v2", extra: "x" });
    await client.delete(CM, "a", { namespace: "ns1" });
    await expect(client.get(CM, "a", { namespace: "ns1" })).rejects.toSatisfy(isNotFound);
    expect(client.stats()).toMatchObject({ GET: 2, POST: 1, PUT: 1, PATCH: 1, DELETE: 1, writes: 4, total: 6, errors: 1 });
  });

  it("names the object in API errors", async () => {
    const err = await client.get(CM, "missing", { namespace: "ns1" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).object).toBe("ConfigMap/ns1/missing");
    expect((err as KubeApiError).statusCode).toBe(404);
    expect((err as KubeApiError).message).toContain("not found");
  });

  it("reports AlreadyExists and Conflict", async () => {
    await client.create(CM, { metadata: { name: "b", namespace: "ns1" } });
    await expect(client.create(CM, { metadata: { name: "b", namespace: "ns1" } })).rejects.toSatisfy(isAlreadyExists);
    const cur = await client.get(CM, "b", { namespace: "ns1" });
    await client.update(CM, { ...cur, data: { x: "1" } });
    await expect(client.update(CM, { ...cur, data: { x: "2" } })).rejects.toSatisfy(isConflict);
    await expect(client.updateStatus(CM, { ...cur, status: {} })).rejects.toSatisfy(isConflict);
  });

  it("requires a resourceVersion for updateStatus and a namespace for namespaced calls", async () => {
    await expect(client.updateStatus(CM, { metadata: { name: "x", namespace: "n" } })).rejects.toThrow(/resourceVersion/);
    await expect(client.get(CM, "x")).rejects.toThrow(/needs a namespace/);
  });

  it("fails a delete whose uid precondition does not match", async () => {
    await client.create(CM, { metadata: { name: "c", namespace: "ns1" } });
    await expect(client.delete(CM, "c", { namespace: "ns1", preconditions: { uid: "wrong" } })).rejects.toSatisfy(isConflict);
    const del = api.requests.at(-1);
    expect(del?.method).toBe("DELETE");
  });

  it("sends server-side apply as apply-patch with fieldManager, force and Strict validation", async () => {
    const out = await client.apply(CM, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "d", namespace: "ns1" }, data: { a: "1" } }, { fieldManager: "test", force: true });
    expect(out.data).toEqual({ a: "1" });
    const req = api.requests.at(-1);
    expect(req?.method).toBe("PATCH");
    expect(req?.query).toEqual({ fieldManager: "test", force: "true", fieldValidation: "Strict" });
    await client.apply(CM, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "d", namespace: "ns1" } }, { fieldManager: "test", force: false, dryRun: true, fieldValidation: "Warn" });
    expect(api.requests.at(-1)?.query).toEqual({ fieldManager: "test", force: "false", fieldValidation: "Warn", dryRun: "All" });
    await expect(client.apply(CM, { metadata: { name: "d", namespace: "ns1" } }, { fieldManager: "", force: true })).rejects.toThrow(/fieldManager/);
  });

  it("lists with selectors, paginates with listAll, fills kind", async () => {
    for (let i = 0; i < 7; i++) await client.create(CM, { metadata: { name: `p${i}`, namespace: "pages", labels: { app: i % 2 === 0 ? "even" : "odd" } } });
    const even = await client.list(CM, { namespace: "pages", labelSelector: "app=even" });
    expect(even.items.map((o) => o.metadata?.name)).toEqual(["p0", "p2", "p4", "p6"]);
    expect(even.items[0]?.kind).toBe("ConfigMap");
    expect(even.resourceVersion).not.toBe("");
    client.resetStats();
    const all = await client.listAll(CM, { namespace: "pages", pageSize: 3 });
    expect(all.items).toHaveLength(7);
    expect(client.stats().LIST).toBe(3);
    const page = await client.list(CM, { namespace: "pages", limit: 5 });
    expect(page.continue).toBeTruthy();
  });

  it("works with cluster-scoped resources", async () => {
    await client.create(NS, { metadata: { name: "zzz" } });
    expect((await client.get(NS, "zzz")).metadata?.name).toBe("zzz");
  });
});

describe("KubeClient throttling", () => {
  it("retries a 429 after Retry-After, counting it", async () => {
    api.failNext({ method: "GET", pathIncludes: "/configmaps/" }, 429, { retryAfter: "0", count: 2 });
    await client.create(CM, { metadata: { name: "t", namespace: "ns2" } });
    client.resetStats();
    const got = await client.get(CM, "t", { namespace: "ns2" });
    expect(got.metadata?.name).toBe("t");
    expect(client.stats()).toMatchObject({ GET: 3, throttled: 2 });
  });

  it("gives up after maxRetries", async () => {
    const c = api.client({ maxRetries: 1, maxRetryAfterMs: 10 });
    api.failNext({ pathIncludes: "/configmaps" }, 429, { count: 5 });
    await expect(c.list(CM, { namespace: "x" })).rejects.toSatisfy(isTooManyRequests);
    c.close();
  });

  it("counts rest_client_requests_total per attempt by code, method and host (client-go's labels)", async () => {
    const registry = new Registry();
    const c = api.client({ maxRetryAfterMs: 10, registry });
    const host = new URL(api.url).host;
    api.failNext({ method: "GET", pathIncludes: "/configmaps/" }, 429, { retryAfter: "0", count: 1 });
    await c.create(CM, { metadata: { name: "m", namespace: "ns3" } });
    await c.get(CM, "m", { namespace: "ns3" });
    await c.get(CM, "gone", { namespace: "ns3" }).catch(() => undefined);
    const n = (code: string, method: string): Promise<number> => registry.value("rest_client_requests_total", { code, method, host });
    expect(await n("201", "POST")).toBe(1);
    expect(await n("429", "GET")).toBe(1);
    expect(await n("200", "GET")).toBe(1);
    expect(await n("404", "GET")).toBe(1);
    c.close();
    // No answer at all: code "<error>", host:port of the server that did not answer.
    const dead = new KubeClient({ server: "http://127.0.0.1:1", registry, maxRetries: 0 });
    await dead.get(CM, "x", { namespace: "n" }).catch(() => undefined);
    expect(await registry.value("rest_client_requests_total", { code: "<error>", method: "GET", host: "127.0.0.1:1" })).toBe(1);
  });

  it("parses Retry-After", () => {
    expect(parseRetryAfter("3")).toBe(3000);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfter("soon")).toBeUndefined();
  });
});

describe("KubeClient raw requests and transport", () => {
  it("request() reaches any path", async () => {
    const v = await client.request<{ kind: string }>("GET", "/api");
    expect(v.kind).toBe("APIVersions");
  });

  it("decodes non-Status error bodies and sends User-Agent and auth headers", async () => {
    let seen: http.IncomingHttpHeaders = {};
    const srv = http.createServer((req, res) => {
      seen = req.headers;
      res.writeHead(503, { "Content-Type": "text/plain" });
      res.end("backend down");
    });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const c = new KubeClient({
      server: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
      userAgent: "ua-test/1",
      auth: async () => ({ headers: { Authorization: "Bearer tok" } }),
    });
    const err = (await c.get(NS, "x").catch((e: unknown) => e)) as KubeApiError;
    expect(err.statusCode).toBe(503);
    expect(err.message).toContain("backend down");
    expect(err.reason).toBe("ServiceUnavailable");
    expect(seen["user-agent"]).toBe("ua-test/1");
    expect(seen.authorization).toBe("Bearer tok");
    c.close();
    await new Promise<void>((r) => srv.close(() => r()));
  });

  it("withSignal: its requests end with the signal (in flight and later); the base client's do not; onNoAnswer sees no-answer failures", async () => {
    const hung: http.ServerResponse[] = [];
    const srv = http.createServer((req, res) => {
      if (req.url?.startsWith("/hang")) hung.push(res);
      else res.writeHead(200, { "Content-Type": "application/json" }).end("{}");
    });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const noAnswer: Error[] = [];
    const base = new KubeClient({ server: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, onNoAnswer: (e) => noAnswer.push(e) });
    const term = new AbortController();
    const c = base.withSignal(term.signal);
    const inFlight = c.request("GET", "/hang").catch((e: unknown) => e);
    await new Promise<void>((r) => {
      const t = setInterval(() => hung.length > 0 && (clearInterval(t), r()), 2);
    });
    const t0 = Date.now();
    term.abort(new Error("lost the Lease"));
    expect(await inFlight).toBeInstanceOf(Error);
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(await c.request("GET", "/after").catch((e: unknown) => e)).toBeInstanceOf(Error);
    expect(await base.request("GET", "/after")).toEqual({});
    // An abort is no "no answer"; a refused connection is.
    expect(noAnswer).toHaveLength(0);
    const refused = new KubeClient({ server: "http://127.0.0.1:1", onNoAnswer: (e) => noAnswer.push(e), maxRetries: 0 });
    await refused.request("GET", "/x").catch(() => undefined);
    expect(noAnswer.map((e) => (e as { code?: string }).code)).toEqual(["ECONNREFUSED"]);
    for (const r of hung) r.destroy();
    base.close();
    await new Promise<void>((r) => srv.close(() => r()));
  });

  it("re-fetches auth after a 401 and periodically", async () => {
    let calls = 0;
    let n = 0;
    const srv = http.createServer((req, res) => {
      n++;
      const ok = req.headers.authorization === "Bearer t2";
      res.writeHead(ok ? 200 : 401, { "Content-Type": "application/json" });
      res.end(JSON.stringify(ok ? { kind: "Namespace", metadata: { name: "x" } } : { kind: "Status", code: 401, reason: "Unauthorized", message: "Unauthorized" }));
    });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const c = new KubeClient({
      server: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
      auth: async () => ({ headers: { Authorization: `Bearer t${++calls}` } }),
    });
    const got = await c.get(NS, "x");
    expect(got.metadata?.name).toBe("x");
    expect(calls).toBe(2);
    expect(n).toBe(2);
    c.close();
    await new Promise<void>((r) => srv.close(() => r()));
  });

  it("is built from a KubeConfig and re-applies its auth periodically", async () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: "c", server: api.url, skipTLSVerify: true }],
      users: [{ name: "u", token: "tok-1" }],
      contexts: [{ name: "ctx", cluster: "c", user: "u" }],
      currentContext: "ctx",
    });
    const c = KubeClient.fromKubeConfig(kc, { authRefreshMs: 0, userAgent: "kc-test" });
    await c.list(NS);
    expect(api.requests.at(-1)?.headers.authorization).toBe("Bearer tok-1");
    (kc.users[0] as { token?: string }).token = "tok-2"; // a rotated token
    await c.list(NS);
    expect(api.requests.at(-1)?.headers.authorization).toBe("Bearer tok-2");
    expect(api.requests.at(-1)?.headers["user-agent"]).toBe("kc-test");
    c.close();
    expect(() => KubeClient.fromKubeConfig(new KubeConfig())).toThrow(/no current cluster/);
  });

  it("aborts a request with its signal", async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(client.get(CM, "x", { namespace: "n", signal: ac.signal })).rejects.toThrow();
  });
});

describe("KubeClient.watch", () => {
  it("streams events from a resourceVersion and stops on abort", async () => {
    const start = await client.list(CM, { namespace: "w" });
    const ac = new AbortController();
    const seen: string[] = [];
    const done = (async () => {
      for await (const ev of client.watch(CM, { namespace: "w", resourceVersion: start.resourceVersion, signal: ac.signal })) {
        seen.push(`${ev.type}:${(ev.object as { metadata?: { name?: string } }).metadata?.name ?? ""}`);
        if (seen.length === 3) ac.abort();
      }
    })();
    await new Promise((r) => setTimeout(r, 50));
    await client.create(CM, { metadata: { name: "w1", namespace: "w" } });
    const cur = await client.get(CM, "w1", { namespace: "w" });
    await client.update(CM, { ...cur, data: { a: "b" } });
    await client.delete(CM, "w1", { namespace: "w" });
    await done;
    expect(seen).toEqual(["ADDED:w1", "MODIFIED:w1", "DELETED:w1"]);
    expect(client.stats().WATCH).toBe(1);
  });

  it("yields ERROR events (410) and ends when the server closes", async () => {
    await client.create(CM, { metadata: { name: "old", namespace: "w2" } });
    const rv = (await client.list(CM, { namespace: "w2" })).resourceVersion;
    await client.create(CM, { metadata: { name: "new", namespace: "w2" } });
    api.compact();
    const events = [];
    for await (const ev of client.watch(CM, { namespace: "w2", resourceVersion: String(Number(rv) - 1) })) events.push(ev);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: "ERROR", object: { code: 410 } });
  });

  it("throws when the connection is cut", async () => {
    const it = client.watch(CM, { namespace: "w3" })[Symbol.asyncIterator]();
    const next = it.next();
    await new Promise((r) => setTimeout(r, 50));
    api.dropWatches();
    await expect(next).rejects.toThrow();
  });

  it("many open watches do not starve ordinary requests of sockets", async () => {
    const c = api.client({ maxSockets: 4 });
    const ac = new AbortController();
    const its = Array.from({ length: 10 }, () => c.watch(CM, { namespace: "many", signal: ac.signal })[Symbol.asyncIterator]());
    const pending = its.map((it) => it.next());
    await new Promise((r) => setTimeout(r, 100));
    expect(api.watchCount).toBeGreaterThanOrEqual(10);
    await c.create(CM, { metadata: { name: "m", namespace: "many" } });
    expect((await c.get(CM, "m", { namespace: "many" })).metadata?.name).toBe("m");
    ac.abort();
    await Promise.allSettled(pending);
    c.close();
  });

  it("throws HTTP errors as KubeApiError", async () => {
    api.failNext({ pathIncludes: "/configmaps" }, 403);
    const it = client.watch(CM, { namespace: "w4" })[Symbol.asyncIterator]();
    await expect(it.next()).rejects.toBeInstanceOf(KubeApiError);
  });
});
