import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "@work-api/api";
import type { KubeClient } from "./client.js";
import { KubeApiError } from "./errors.js";
import { FakeApiServer } from "./fake-apiserver.js";
import { Informer, type ListerWatcher } from "./informer.js";
import { memoryLogger } from "./logger.js";
import type { WatchEvent } from "./watchstream.js";

const CM = { group: "", version: "v1", resource: "configmaps", namespaced: true, kind: "ConfigMap" };

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

const cm = (name: string, rv: string): KubeObject => ({ metadata: { name, namespace: "ns", resourceVersion: rv } });

/** A scripted list/watch: each list returns the next snapshot; each watch plays the next script. */
function scripted(lists: { items: KubeObject[]; resourceVersion: string }[], watches: (WatchEvent | Error | "hang")[][]): ListerWatcher<KubeObject> & { watchRvs: string[]; listCalls: number } {
  const lw = {
    watchRvs: [] as string[],
    listCalls: 0,
    list: async () => {
      const l = lists[Math.min(lw.listCalls, lists.length - 1)] as { items: KubeObject[]; resourceVersion: string };
      lw.listCalls++;
      return l;
    },
    watch: ({ resourceVersion, signal }: { resourceVersion: string; signal: AbortSignal }) => {
      lw.watchRvs.push(resourceVersion);
      const script = watches.shift() ?? ["hang"];
      return (async function* () {
        for (const step of script) {
          if (step === "hang") {
            await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
            return;
          }
          if (step instanceof Error) throw step;
          yield step;
        }
      })();
    },
  };
  return lw;
}

describe("Informer with a scripted source", () => {
  it("restarts a watch that delivers nothing for watchIdleTimeoutMs, from the last resourceVersion", async () => {
    // First watch: one event, then silence (a frozen server); the second watch delivers.
    const lw = scripted([{ items: [cm("a", "1")], resourceVersion: "10" }], [[{ type: "MODIFIED", object: cm("a", "11") }, "hang"], [{ type: "ADDED", object: cm("b", "12") }, "hang"]]);
    const inf = new Informer(undefined, CM, { listerWatcher: lw, watchIdleTimeoutMs: 100, backoff: { initialMs: 1, maxMs: 5 } });
    inf.start();
    await until(() => inf.get("ns/b") !== undefined);
    await inf.stop();
    expect(lw.watchRvs.slice(0, 2)).toEqual(["10", "11"]);
    expect(inf.stats().idleRestarts).toBeGreaterThanOrEqual(1);
    expect(lw.listCalls).toBe(1);
  });

  it("keeps a quiet watch that gets bookmarks", async () => {
    const bookmark = (rv: string): WatchEvent => ({ type: "BOOKMARK", object: { metadata: { resourceVersion: rv } } });
    const slow = scripted([{ items: [], resourceVersion: "1" }], []);
    let watches = 0;
    const lw: ListerWatcher<KubeObject> = {
      list: (signal) => slow.list(signal),
      watch: ({ signal }) => {
        watches++;
        return (async function* () {
          for (let i = 2; !signal.aborted && i < 12; i++) {
            await new Promise((r) => setTimeout(r, 40));
            yield bookmark(String(i));
          }
          await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
        })();
      },
    };
    const inf = new Informer(undefined, CM, { listerWatcher: lw, watchIdleTimeoutMs: 150, backoff: { initialMs: 1, maxMs: 5 } });
    inf.start();
    await until(() => inf.lastSyncResourceVersion() === "11");
    expect(inf.stats().idleRestarts).toBe(0);
    expect(watches).toBe(1);
    await inf.stop();
  });

  it("relists after an ERROR 410 event and synthesizes deletes for vanished objects", async () => {
    const lw = scripted(
      [
        { items: [cm("a", "1"), cm("b", "1")], resourceVersion: "10" },
        { items: [cm("a", "1"), cm("c", "12")], resourceVersion: "20" },
      ],
      [[{ type: "MODIFIED", object: cm("a", "11") }, { type: "ERROR", object: { kind: "Status", code: 410, reason: "Expired", message: "too old" } }]],
    );
    const log: string[] = [];
    const inf = new Informer(undefined, CM, { listerWatcher: lw, backoff: { initialMs: 1, maxMs: 5 } });
    inf.addEventHandler({
      onAdd: (o) => log.push(`add:${o.metadata?.name ?? ""}`),
      onUpdate: (o, n) => log.push(`update:${n.metadata?.name ?? ""}:${o.metadata?.resourceVersion ?? ""}->${n.metadata?.resourceVersion ?? ""}`),
      onDelete: (o) => log.push(`delete:${o.metadata?.name ?? ""}`),
    });
    inf.start();
    await inf.waitForSync();
    await until(() => lw.watchRvs.length >= 2);
    await inf.stop();
    expect(lw.listCalls).toBe(2);
    expect(lw.watchRvs).toEqual(["10", "20"]);
    expect(log).toEqual(["add:a", "add:b", "update:a:1->11", "add:c", "update:a:11->1", "delete:b"]);
    expect(inf.keys().sort()).toEqual(["ns/a", "ns/c"]);
  });

  it("relists after an HTTP 410 from the watch", async () => {
    const gone = new KubeApiError({ statusCode: 410, status: { code: 410, reason: "Expired" } });
    const lw = scripted([{ items: [], resourceVersion: "5" }], [[gone]]);
    const inf = new Informer(undefined, CM, { listerWatcher: lw });
    inf.start();
    await until(() => lw.listCalls === 2);
    await inf.stop();
  });

  it("reconnects from the last resourceVersion with backoff after errors, never stopping", async () => {
    const logger = memoryLogger();
    const lw = scripted(
      [{ items: [], resourceVersion: "5" }],
      [[new Error("boom")], [new Error("boom again")], [{ type: "ADDED", object: cm("x", "6") }, { type: "BOOKMARK", object: { metadata: { resourceVersion: "9" } } }, new Error("cut")], ["hang"]],
    );
    const inf = new Informer(undefined, CM, { listerWatcher: lw, logger, backoff: { initialMs: 5, maxMs: 20 } });
    inf.start();
    await until(() => lw.watchRvs.length === 4);
    expect(lw.watchRvs).toEqual(["5", "5", "5", "9"]);
    expect(lw.listCalls).toBe(1);
    expect(inf.get("ns/x")).toBeDefined();
    expect(logger.entries.filter((e) => e.msg === "Watch failed, will retry")).toHaveLength(3);
    expect(logger.entries[0]?.fields.informer).toBe("configmaps");
    await inf.stop();
  });

  it("retries a failing list until it works", async () => {
    let n = 0;
    const lw: ListerWatcher<KubeObject> = {
      list: async () => {
        if (n++ < 2) throw new Error("apiserver down");
        return { items: [cm("a", "1")], resourceVersion: "1" };
      },
      watch: ({ signal }) =>
        (async function* (): AsyncGenerator<WatchEvent> {
          await new Promise((r) => signal.addEventListener("abort", r, { once: true }));
        })(),
    };
    const inf = new Informer(undefined, CM, { listerWatcher: lw, backoff: { initialMs: 1, maxMs: 2 } });
    expect(inf.hasSynced()).toBe(false);
    inf.start();
    await inf.waitForSync();
    expect(inf.hasSynced()).toBe(true);
    expect(n).toBe(3);
    await inf.stop();
  });

  it("waitForSync rejects on abort and on stop", async () => {
    const lw: ListerWatcher<KubeObject> = { list: () => new Promise(() => {}), watch: () => (async function* () {})() };
    const inf = new Informer(undefined, CM, { listerWatcher: lw });
    inf.start();
    const ac = new AbortController();
    const p = inf.waitForSync(ac.signal);
    ac.abort();
    await expect(p).rejects.toThrow();
    const q = inf.waitForSync();
    void inf.stop();
    await expect(q).rejects.toThrow(/stopped before it synced/);
  });

  it("resyncs periodically and survives throwing handlers; late handlers get a replay", async () => {
    const logger = memoryLogger();
    const lw = scripted([{ items: [cm("a", "1")], resourceVersion: "1" }], [["hang"]]);
    const inf = new Informer(undefined, CM, { listerWatcher: lw, resyncPeriodMs: 20, logger });
    const updates: string[] = [];
    inf.onUpdate((o, n) => {
      expect(o).toBe(n);
      updates.push(n.metadata?.name ?? "");
      throw new Error("handler bug");
    });
    inf.start();
    await inf.waitForSync();
    await until(() => updates.length >= 2);
    const late: string[] = [];
    inf.onAdd((o) => late.push(o.metadata?.name ?? ""));
    expect(late).toEqual(["a"]);
    expect(logger.entries.some((e) => e.msg === "Event handler failed")).toBe(true);
    await inf.stop();
  });
});

describe("Informer against the fake API server", () => {
  let api: FakeApiServer;
  let client: KubeClient;
  let inf: Informer | undefined;
  beforeAll(async () => {
    api = await FakeApiServer.start();
    client = api.client();
  });
  afterEach(async () => {
    await inf?.stop();
  });
  afterAll(async () => {
    client.close();
    await api.close();
  });

  it("sees add/update/delete, reconnects after a dropped connection and relists after expiry", async () => {
    await client.create(CM, { metadata: { name: "pre", namespace: "inf" } });
    await client.create(CM, { metadata: { name: "other-ns", namespace: "elsewhere" } });
    inf = new Informer(client, CM, { namespace: "inf", backoff: { initialMs: 10, maxMs: 50 } });
    const log: string[] = [];
    inf.addEventHandler({
      onAdd: (o) => log.push(`add:${o.metadata?.name ?? ""}`),
      onUpdate: (_o, n) => log.push(`update:${n.metadata?.name ?? ""}`),
      onDelete: (o) => log.push(`delete:${o.metadata?.name ?? ""}`),
    });
    inf.start();
    await inf.waitForSync();
    expect(inf.list().map((o) => o.metadata?.name)).toEqual(["pre"]);
    await until(() => api.watchCount === 1);

    const a = await client.create(CM, { metadata: { name: "a", namespace: "inf" } });
    await client.update(CM, { ...a, data: { k: "v" } });
    await client.delete(CM, "pre", { namespace: "inf" });
    await until(() => log.length === 4);
    expect(log).toEqual(["add:pre", "add:a", "update:a", "delete:pre"]);

    // connection cut: changes made meanwhile are caught up from the last resourceVersion
    api.dropWatches();
    await client.create(CM, { metadata: { name: "while-down", namespace: "inf" } });
    await until(() => inf?.get("inf/while-down") !== undefined);
    expect(api.requests.filter((r) => r.query.watch !== "true" && r.method === "GET" && r.path.endsWith("/configmaps"))).toHaveLength(1);

    // expiry: relist, with a synthesized delete for what vanished meanwhile
    await until(() => api.watchCount === 1);
    api.expireWatches();
    api.remove(CM, "inf", "a");
    api.compact();
    await until(() => log.includes("delete:a"));
    expect(inf.keys().sort()).toEqual(["inf/while-down"]);
    expect(api.requests.filter((r) => r.query.watch !== "true" && r.method === "GET" && r.path.endsWith("/configmaps")).length).toBeGreaterThanOrEqual(2);
    expect(inf.lastSyncResourceVersion()).not.toBe("");
  });

  it("filters by label selector and advances on bookmarks", async () => {
    inf = new Informer(client, CM, { namespace: "lab", labelSelector: "app=x" });
    inf.start();
    await inf.waitForSync();
    await until(() => api.watchCount === 1);
    await client.create(CM, { metadata: { name: "no", namespace: "lab" } });
    await client.create(CM, { metadata: { name: "yes", namespace: "lab", labels: { app: "x" } } });
    await until(() => inf?.size === 1);
    expect(inf.keys()).toEqual(["lab/yes"]);
    const before = inf.lastSyncResourceVersion();
    await client.create(CM, { metadata: { name: "unrelated", namespace: "zz" } });
    api.bookmark();
    await until(() => inf?.lastSyncResourceVersion() !== before);
  });
});
