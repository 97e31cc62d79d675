/**
 * @work-api/runtime against a real kube-apiserver (the shared plane's hub):
 * the REST client (CRUD, server-side apply with Strict validation, optimistic
 * concurrency, preconditions, request accounting), discovery, the informer
 * (list+watch, reconnect after a cut connection, relist after 410), leader
 * election and events. Every describe block works in its own namespace.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WorkResource, type KubeObject, type Work } from "@work-api/api";
import {
  EventRecorder,
  EventResource,
  Informer,
  KubeApiError,
  KubeClient,
  LeaderElector,
  LeaseResource,
  NoKindMatchError,
  RestMapper,
  isAlreadyExists,
  isConflict,
  isNotFound,
  isSchemaError,
  listerWatcherFor,
  type Lease,
  type ListerWatcher,
} from "@work-api/runtime";
import { hubKubeconfig, testNamespace, uniqueName, waitFor } from "./env.js";

const CM = { group: "", version: "v1", resource: "configmaps", namespaced: true, kind: "ConfigMap" };

const nameOf = (o: KubeObject): string => o.metadata?.name ?? "";

function hubClient(): KubeClient {
  return KubeClient.fromFile(hubKubeconfig(), { userAgent: "runtime-e2e" });
}

describe("KubeClient against a real API server", () => {
  const ns = testNamespace("rt-client");
  let client: KubeClient;
  beforeAll(() => {
    client = hubClient();
  });
  afterAll(() => client.close());

  it("creates, reads, updates, patches, lists and deletes, counting every request", async () => {
    client.resetStats();
    const created = await client.create(CM, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: ns }, data: { k: "v" } });
    expect(created.metadata?.uid).toBeTruthy();
    await expect(client.create(CM, { metadata: { name: "a", namespace: ns } })).rejects.toSatisfy(isAlreadyExists);
    const got = await client.get(CM, "a", { namespace: ns });
    const updated = await client.update(CM, { ...got, data: { k: "v2" } });
    expect(updated.data).toEqual({ k: "v2" });
    const patched = await client.patch(CM, "a", { data: { extra: "x" } }, { namespace: ns });
    expect(patched.data).toEqual({ k: "v2", extra: "x" });
    const jsonPatched = await client.patch(CM, "a", [{ op: "remove", path: "/data/extra" }], { namespace: ns, type: "json" });
    expect(jsonPatched.data).toEqual({ k: "v2" });
    for (let i = 0; i < 5; i++) await client.create(CM, { metadata: { name: `page-${i}`, namespace: ns, labels: { page: "yes" } } });
    const all = await client.listAll(CM, { namespace: ns, labelSelector: "page=yes", pageSize: 2 });
    expect(all.items.map(nameOf).sort()).toEqual(["page-0", "page-1", "page-2", "page-3", "page-4"]);
    expect(all.items[0]?.kind).toBe("ConfigMap");
    await client.delete(CM, "a", { namespace: ns });
    const err = await client.get(CM, "a", { namespace: ns }).catch((e: unknown) => e);
    expect(isNotFound(err)).toBe(true);
    expect((err as KubeApiError).object).toBe(`ConfigMap/${ns}/a`);
    expect(client.stats()).toMatchObject({ POST: 7, GET: 2, PUT: 1, PATCH: 2, DELETE: 1, LIST: 3, writes: 11, total: 16, errors: 2 });
  });

  it("server-side applies, and Strict field validation rejects an unknown field", async () => {
    const desired = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ssa", namespace: ns }, data: { a: "1" } };
    const first = await client.apply(CM, desired, { fieldManager: "rt-e2e", force: true });
    expect(first.data).toEqual({ a: "1" });
    client.resetStats();
    const again = await client.apply(CM, desired, { fieldManager: "rt-e2e", force: true });
    expect(again.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion); // no-op apply changes nothing
    expect(client.stats()).toMatchObject({ PATCH: 1, writes: 1 });

    const err = await client
      .apply(CM, { ...desired, notAField: { x: 1 } }, { fieldManager: "rt-e2e", force: true })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    // kube-apiserver answers 500 for this (kubernetes/kubernetes#122480); isSchemaError covers 400/422/that 500
    expect(isSchemaError(err)).toBe(true);
    expect((err as KubeApiError).message).toContain("notAField");
    expect((await client.get(CM, "ssa", { namespace: ns })).data).toEqual({ a: "1" });

    // a conflicting manager without force gets 409
    const conflict = await client.apply(CM, { ...desired, data: { a: "other" } }, { fieldManager: "someone-else", force: false }).catch((e: unknown) => e);
    expect(isConflict(conflict)).toBe(true);
    const dry = await client.apply(CM, { ...desired, data: { a: "dry" } }, { fieldManager: "rt-e2e", force: true, dryRun: true });
    expect(dry.data).toEqual({ a: "dry" });
    expect((await client.get(CM, "ssa", { namespace: ns })).data).toEqual({ a: "1" });
  });

  it("updateStatus with a stale resourceVersion fails with 409 instead of overwriting", async () => {
    const work: Work = { apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "Work", metadata: { name: "w", namespace: ns }, spec: { workload: { manifests: [] } } };
    const created = await client.create<Work>(WorkResource, work);
    const cond = { type: "Applied", status: "True" as const, reason: "Test", message: "ok", lastTransitionTime: "2026-01-01T00:00:00Z" };
    const fresh = await client.updateStatus<Work>(WorkResource, { ...created, status: { conditions: [cond] } });
    expect(fresh.status?.conditions?.[0]?.reason).toBe("Test");
    const stale = await client.updateStatus<Work>(WorkResource, { ...created, status: { conditions: [{ ...cond, reason: "Stale" }] } }).catch((e: unknown) => e);
    expect(isConflict(stale)).toBe(true);
    expect((stale as KubeApiError).statusCode).toBe(409);
    expect((await client.get<Work>(WorkResource, "w", { namespace: ns })).status?.conditions?.[0]?.reason).toBe("Test");
  });

  it("delete with a wrong uid precondition fails with 409 and keeps the object", async () => {
    const cm = await client.create(CM, { metadata: { name: "pre", namespace: ns } });
    const err = await client.delete(CM, "pre", { namespace: ns, preconditions: { uid: "00000000-0000-0000-0000-000000000000" } }).catch((e: unknown) => e);
    expect(isConflict(err)).toBe(true);
    expect((err as KubeApiError).statusCode).toBe(409);
    await client.get(CM, "pre", { namespace: ns });
    await client.delete(CM, "pre", { namespace: ns, preconditions: { uid: cm.metadata?.uid as string, resourceVersion: cm.metadata?.resourceVersion as string } });
    await expect(client.get(CM, "pre", { namespace: ns })).rejects.toSatisfy(isNotFound);
  });

  it("watches from a resourceVersion", async () => {
    const start = await client.list(CM, { namespace: ns });
    const ac = new AbortController();
    const seen: string[] = [];
    const done = (async () => {
      for await (const ev of client.watch(CM, { namespace: ns, resourceVersion: start.resourceVersion, timeoutSeconds: 30, signal: ac.signal })) {
        if (ev.type === "BOOKMARK" || ev.type === "ERROR") continue;
        seen.push(`${ev.type}:${nameOf(ev.object)}`);
        if (seen.length === 2) ac.abort();
      }
    })();
    await client.create(CM, { metadata: { name: "watched", namespace: ns } });
    await client.delete(CM, "watched", { namespace: ns });
    await done;
    expect(seen).toEqual(["ADDED:watched", "DELETED:watched"]);
  });

  it("resolves kinds with the RestMapper, including CRDs; unknown kinds fail clearly", async () => {
    const mapper = new RestMapper(client);
    expect(await mapper.resolve("v1", "ConfigMap")).toEqual({ group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: true });
    expect(await mapper.resolve("apps/v1", "Deployment")).toMatchObject({ resource: "deployments", namespaced: true });
    expect(await mapper.resolve("v1", "Namespace")).toMatchObject({ resource: "namespaces", namespaced: false });
    expect(await mapper.resolve("multicluster.x-k8s.io/v1alpha1", "Work")).toMatchObject({ resource: "works", namespaced: true });
    await expect(mapper.resolve("nope.example.com/v1", "Nope")).rejects.toThrow(NoKindMatchError);
    await expect(mapper.resolve("nope.example.com/v1", "Nope")).rejects.toThrow('no matches for kind "Nope" in version "nope.example.com/v1"');
  });
});

describe("Informer against a real API server", () => {
  const ns = testNamespace("rt-informer");
  let client: KubeClient;
  let other: KubeClient;
  beforeAll(() => {
    client = hubClient();
    other = hubClient();
  });
  afterAll(() => {
    client.close();
    other.close();
  });

  it("lists, watches add/update/delete, reconnects after the connection is cut and catches up", async () => {
    const labels = { "rt-e2e": "informer" };
    await other.create(CM, { metadata: { name: "before", namespace: ns, labels } });
    const inf = new Informer(client, CM, { namespace: ns, labelSelector: "rt-e2e=informer", backoff: { initialMs: 50, maxMs: 500 } });
    const log: string[] = [];
    inf.addEventHandler({
      onAdd: (o) => log.push(`add:${nameOf(o)}`),
      onUpdate: (o, n) => {
        if (o.metadata?.resourceVersion !== n.metadata?.resourceVersion) log.push(`update:${nameOf(n)}`);
      },
      onDelete: (o) => log.push(`delete:${nameOf(o)}`),
    });
    inf.start();
    await inf.waitForSync(AbortSignal.timeout(30_000));
    expect(inf.hasSynced()).toBe(true);
    expect(inf.keys()).toEqual([`${ns}/before`]);

    const a = await other.create(CM, { metadata: { name: "a", namespace: ns, labels } });
    await other.update(CM, { ...a, data: { x: "1" } });
    await other.delete(CM, "before", { namespace: ns });
    await waitFor(() => log.length >= 4, { message: "informer events" });
    expect(log).toEqual([`add:before`, `add:a`, `update:a`, `delete:before`]);
    expect(inf.get(`${ns}/a`)?.data).toEqual({ x: "1" });

    // cut the watch connection: the client's sockets are destroyed under the informer
    client.resetStats();
    client.close();
    await other.create(CM, { metadata: { name: "while-cut", namespace: ns, labels } });
    await other.delete(CM, "a", { namespace: ns });
    await waitFor(() => inf.get(`${ns}/while-cut`) !== undefined && inf.get(`${ns}/a`) === undefined, { message: "catch-up after reconnect" });
    expect(log.slice(4)).toEqual(["add:while-cut", "delete:a"]);
    expect(client.stats().WATCH).toBeGreaterThanOrEqual(1);
    expect(client.stats().LIST).toBe(0); // resumed from the last resourceVersion, no relist
    await inf.stop();
  });

  it("converges when its first watch starts from a very old resourceVersion (410 and relist, or replay)", async () => {
    await other.create(CM, { metadata: { name: "gone-a", namespace: ns } });
    await other.create(CM, { metadata: { name: "gone-b", namespace: ns } });
    // The first list claims resourceVersion "1" and hides an object. The real
    // server either answers the watch with 410 (history compacted: the
    // informer relists) or replays history from there; either way the cache
    // must converge. (The 410 path itself is unit-tested with fakes.)
    const real = listerWatcherFor<KubeObject>(client, CM, { namespace: ns });
    let lists = 0;
    const watchRvs: string[] = [];
    const lw: ListerWatcher<KubeObject> = {
      list: async (signal) => {
        const l = await real.list(signal);
        lists++;
        return lists === 1 ? { items: l.items.filter((o) => nameOf(o) !== "gone-b"), resourceVersion: "1" } : l;
      },
      watch: (opts) => {
        watchRvs.push(opts.resourceVersion);
        return real.watch(opts);
      },
    };
    const inf = new Informer(undefined, CM, { listerWatcher: lw, backoff: { initialMs: 50, maxMs: 500 } });
    inf.start();
    await inf.waitForSync(AbortSignal.timeout(30_000));
    // whether the server answers 410 (compacted history) or replays from rv 1,
    // the cache converges to the truth
    await waitFor(() => inf.get(`${ns}/gone-b`) !== undefined, { message: "converged cache" });
    expect(watchRvs[0]).toBe("1");
    if (lists > 1) expect(watchRvs.length).toBeGreaterThanOrEqual(2);
    await inf.stop();
  });
});

describe("LeaderElector against a real API server", () => {
  const ns = testNamespace("rt-leader");

  it("elects one of two candidates; the other takes over after release", async () => {
    const lease = uniqueName("lease");
    const timing = { leaseDurationMs: 4000, renewDeadlineMs: 2500, retryPeriodMs: 500 };
    const mk = (identity: string) => {
      const state = { leading: false, stopped: 0 };
      const client = hubClient();
      const elector = new LeaderElector({
        client,
        namespace: ns,
        name: lease,
        identity,
        ...timing,
        onStartedLeading: () => {
          state.leading = true;
        },
        onStoppedLeading: () => {
          state.leading = false;
          state.stopped++;
        },
      });
      const ac = new AbortController();
      const done = elector.run(ac.signal);
      return { state, client, elector, ac, done };
    };
    const a = mk("candidate-a");
    await waitFor(() => a.state.leading, { message: "a leads" });
    const b = mk("candidate-b");
    await new Promise((r) => setTimeout(r, 1500));
    expect(b.state.leading).toBe(false);
    expect(b.elector.getLeader()).toBe("candidate-a");

    const l1 = await b.client.get<Lease>(LeaseResource, lease, { namespace: ns });
    expect(l1.spec).toMatchObject({ holderIdentity: "candidate-a", leaseDurationSeconds: 4 });
    expect(l1.spec?.renewTime).toMatch(/\.\d{6}Z$/);

    const released = Date.now();
    a.ac.abort();
    await a.done;
    expect(a.state.stopped).toBe(1);
    await waitFor(() => b.state.leading, { message: "b takes over" });
    expect(Date.now() - released).toBeLessThan(timing.leaseDurationMs);
    const l2 = await b.client.get<Lease>(LeaseResource, lease, { namespace: ns });
    expect(l2.spec).toMatchObject({ holderIdentity: "candidate-b", leaseTransitions: 1 });
    b.ac.abort();
    await b.done;
    a.client.close();
    b.client.close();
  });
});

describe("EventRecorder against a real API server", () => {
  const ns = testNamespace("rt-events");

  it("writes core/v1 Events and aggregates repeats", async () => {
    const client = hubClient();
    const cm = await client.create(CM, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "subject", namespace: ns } });
    const rec = new EventRecorder({ client, component: "runtime-e2e" });
    rec.event(cm, "Warning", "SomethingFailed", "it failed");
    rec.event(cm, "Warning", "SomethingFailed", "it failed");
    rec.event(cm, "Normal", "Fine", "all good");
    await rec.flush();
    const events = (await client.list(EventResource, { namespace: ns })).items as (KubeObject & { reason?: string; count?: number; involvedObject?: { uid?: string } })[];
    expect(events).toHaveLength(2);
    const failed = events.find((e) => e.reason === "SomethingFailed");
    expect(failed?.count).toBe(2);
    expect(failed?.involvedObject?.uid).toBe(cm.metadata?.uid);
    client.close();
  });
});
