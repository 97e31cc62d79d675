import { describe, expect, it } from "vitest";
import type { KubeObject } from "@work-api/api";
import { KubeApiError } from "./errors.js";
import { Informer, type ListerWatcher } from "./informer.js";
import { MultiNamespaceInformer } from "./multi-namespace-informer.js";
import type { WatchEvent } from "./watchstream.js";

const NS = { group: "", version: "v1", resource: "namespaces", namespaced: false, kind: "Namespace" };
const SECRET = { group: "", version: "v1", resource: "secrets", namespaced: true, kind: "Secret" };

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A source whose list returns `items()` (or throws `fail()`), and whose watch delivers what `push` sends. */
function source(items: () => KubeObject[], fail: () => Error | undefined = () => undefined): ListerWatcher<KubeObject> & { push(ev: WatchEvent): void; lists: number } {
  const queue: WatchEvent[] = [];
  let wake: (() => void) | undefined;
  const lw = {
    lists: 0,
    push(ev: WatchEvent): void {
      queue.push(ev);
      wake?.();
    },
    list: async () => {
      lw.lists++;
      const err = fail();
      if (err) throw err;
      return { items: items(), resourceVersion: "1" };
    },
    watch: ({ signal }: { signal: AbortSignal }) =>
      (async function* () {
        while (!signal.aborted) {
          const ev = queue.shift();
          if (ev) {
            yield ev;
            continue;
          }
          await new Promise<void>((resolve) => {
            wake = resolve;
            signal.addEventListener("abort", () => resolve(), { once: true });
          });
        }
      })(),
  };
  return lw;
}

const ns = (name: string, labels: Record<string, string> = { mine: "yes" }): KubeObject => ({ metadata: { name, labels, resourceVersion: "1" } });
const secret = (namespace: string, name: string): KubeObject => ({ metadata: { namespace, name, resourceVersion: "1" } });

describe("MultiNamespaceInformer", () => {
  it("caches only the selected namespaces, follows namespaces joining and leaving, and delivers the leavers' objects as deletes", async () => {
    const nsSource = source(() => [ns("a"), ns("b"), ns("kube-system", {})]);
    const namespaces = new Informer(undefined, NS, { listerWatcher: nsSource });
    const perNs = new Map<string, ReturnType<typeof source>>();
    const listed: string[] = [];
    const multi = new MultiNamespaceInformer<KubeObject>(undefined, SECRET, {
      namespaces,
      select: (n) => n.metadata?.labels?.mine === "yes",
      listerWatcherFor: (name) => {
        listed.push(name);
        const s = source(() => [secret(name, "s1")]);
        perNs.set(name, s);
        return s;
      },
    });
    const deleted: string[] = [];
    const added: string[] = [];
    multi.addEventHandler({ onAdd: (o) => added.push(`${o.metadata?.namespace}/${o.metadata?.name}`), onDelete: (o) => deleted.push(`${o.metadata?.namespace}/${o.metadata?.name}`) });
    namespaces.start();
    multi.start();
    await multi.waitForSync(AbortSignal.timeout(5000));
    expect(listed.sort()).toEqual(["a", "b"]);
    expect(multi.keys().sort()).toEqual(["a/s1", "b/s1"]);
    expect(multi.get("a/s1")?.metadata?.name).toBe("s1");
    expect(multi.get("kube-system/s1")).toBeUndefined();
    expect(multi.listByNamespace("b").map((o) => o.metadata?.name)).toEqual(["s1"]);
    expect(multi.namespaceSynced("a")).toBe(true);
    expect(multi.namespaceSynced("kube-system")).toBe(false);

    // An event in one namespace reaches the handlers.
    perNs.get("a")!.push({ type: "ADDED", object: secret("a", "s2") });
    await until(() => added.includes("a/s2"));

    // A namespace that gains the label joins; one that loses it leaves.
    nsSource.push({ type: "ADDED", object: ns("c") });
    nsSource.push({ type: "MODIFIED", object: { ...ns("b", {}), metadata: { ...ns("b", {}).metadata, resourceVersion: "2" } } });
    await until(() => multi.get("c/s1") !== undefined && deleted.includes("b/s1"));
    expect(multi.namespaceNames()).toEqual(["a", "c"]);
    expect(multi.get("b/s1")).toBeUndefined();
    // A deleted namespace leaves too.
    nsSource.push({ type: "DELETED", object: ns("a") });
    await until(() => deleted.includes("a/s2"));
    expect(multi.namespaceNames()).toEqual(["c"]);
    await multi.stop();
    await namespaces.stop();
  });

  it("counts a namespace whose list is refused (403) as settled, keeps retrying it, and picks it up once access is granted", async () => {
    let granted = false;
    const namespaces = new Informer(undefined, NS, { listerWatcher: source(() => [ns("open"), ns("locked")]) });
    const sources = new Map<string, ReturnType<typeof source>>();
    const multi = new MultiNamespaceInformer<KubeObject>(undefined, SECRET, {
      namespaces,
      select: () => true,
      backoff: { initialMs: 5, maxMs: 20 },
      listerWatcherFor: (name) => {
        const s = source(
          () => [secret(name, "s")],
          () => (name === "locked" && !granted ? new KubeApiError({ statusCode: 403, status: { code: 403, reason: "Forbidden", message: "secrets is forbidden" } }) : undefined),
        );
        sources.set(name, s);
        return s;
      },
    });
    expect(multi.hasSynced()).toBe(false); // not started
    namespaces.start();
    multi.start();
    await multi.waitForSync(AbortSignal.timeout(5000));
    expect(multi.namespaceSynced("open")).toBe(true);
    expect(multi.namespaceSynced("locked")).toBe(false);
    expect(multi.get("locked/s")).toBeUndefined();
    await until(() => sources.get("locked")!.lists >= 3); // still retrying
    granted = true;
    await until(() => multi.namespaceSynced("locked"));
    expect(multi.get("locked/s")?.metadata?.name).toBe("s");
    await multi.stop();
    await namespaces.stop();
  });

  it("does not count a namespace as synced while its list fails with anything but 403", async () => {
    let fail = true;
    const namespaces = new Informer(undefined, NS, { listerWatcher: source(() => [ns("x")]) });
    let child: ReturnType<typeof source> | undefined;
    const multi = new MultiNamespaceInformer<KubeObject>(undefined, SECRET, {
      namespaces,
      select: () => true,
      backoff: { initialMs: 5, maxMs: 10 },
      listerWatcherFor: () => (child = source(() => [], () => (fail ? new KubeApiError({ statusCode: 500, status: { code: 500, message: "etcd down" } }) : undefined))),
    });
    namespaces.start();
    multi.start();
    await namespaces.waitForSync();
    // Several refused lists later, still not synced.
    await until(() => (child?.lists ?? 0) >= 3);
    expect(multi.hasSynced()).toBe(false);
    fail = false;
    await multi.waitForSync(AbortSignal.timeout(5000));
    expect(multi.hasSynced()).toBe(true);
    await multi.stop();
    await namespaces.stop();
  });
});
