import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Registry } from "./metrics.js";
import { ItemExponentialRateLimiter } from "./ratelimiter.js";
import { WorkQueue } from "./workqueue.js";

/** Resolves whether `p` settled within the current macrotask turn. */
async function settled<T>(p: Promise<T>): Promise<{ done: boolean; value?: T }> {
  let done = false;
  let value: T | undefined;
  void p.then((v) => {
    done = true;
    value = v;
  });
  await Promise.resolve();
  await Promise.resolve();
  return done ? { done, value: value as T } : { done };
}

describe("WorkQueue", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("dedups: a key added many times is queued once", async () => {
    const q = new WorkQueue({ rateLimiter: new ItemExponentialRateLimiter() });
    q.add("a");
    q.add("a");
    q.add("b");
    q.add("a");
    expect(q.len()).toBe(2);
    expect(await q.get()).toBe("a");
    expect(await q.get()).toBe("b");
    expect(q.len()).toBe(0);
  });

  it("hands out keys in FIFO order", async () => {
    const q = new WorkQueue();
    for (const k of ["c", "a", "b"]) q.add(k);
    expect([await q.get(), await q.get(), await q.get()]).toEqual(["c", "a", "b"]);
  });

  it("never hands a key in process to a second worker; re-adds queue it again after done", async () => {
    const q = new WorkQueue();
    q.add("a");
    const first = await q.get();
    expect(first).toBe("a");
    q.add("a");
    q.add("a");
    expect(q.len()).toBe(0);
    const second = q.get();
    expect((await settled(second)).done).toBe(false);
    q.done("a");
    expect(await second).toBe("a");
    q.done("a");
    expect(q.len()).toBe(0);
    expect(q.processingLen()).toBe(0);
  });

  it("done without re-add does not re-queue", async () => {
    const q = new WorkQueue();
    q.add("a");
    await q.get();
    q.done("a");
    expect(q.len()).toBe(0);
  });

  it("get waits for an add", async () => {
    const q = new WorkQueue();
    const p = q.get();
    expect((await settled(p)).done).toBe(false);
    q.add("x");
    expect(await p).toBe("x");
    expect(q.processingLen()).toBe(1);
  });

  it("addAfter queues after the delay, and the earliest pending delay wins", async () => {
    const q = new WorkQueue();
    q.addAfter("a", 1000);
    q.addAfter("a", 500);
    q.addAfter("a", 2000);
    expect(q.len()).toBe(0);
    expect(q.delayedLen()).toBe(1);
    vi.advanceTimersByTime(499);
    expect(q.len()).toBe(0);
    vi.advanceTimersByTime(1);
    expect(q.len()).toBe(1);
    vi.advanceTimersByTime(5000);
    expect(q.len()).toBe(1);
    expect(await q.get()).toBe("a");
  });

  it("addAfter with a non-positive delay adds at once", () => {
    const q = new WorkQueue();
    q.addAfter("a", 0);
    expect(q.len()).toBe(1);
  });

  it("addRateLimited backs off exponentially per item; forget resets", async () => {
    const q = new WorkQueue({ rateLimiter: new ItemExponentialRateLimiter({ baseDelayMs: 10, maxDelayMs: 100 }) });
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      const before = q.len();
      q.addRateLimited("a");
      let waited = 0;
      while (q.len() === before && waited < 1000) {
        vi.advanceTimersByTime(1);
        waited++;
      }
      delays.push(waited);
      // take it out again so the next round measures a fresh add
      q.done((await q.get()) as string);
    }
    expect(delays).toEqual([10, 20, 40, 80, 100, 100]);
    expect(q.numRequeues("a")).toBe(6);
    expect(q.numRequeues("b")).toBe(0);
    q.forget("a");
    expect(q.numRequeues("a")).toBe(0);
  });

  it("shutDown drops pending keys and releases waiting getters with undefined", async () => {
    const q = new WorkQueue();
    const waiting = q.get();
    q.shutDown();
    expect(await waiting).toBeUndefined();
    q.add("a");
    q.addAfter("b", 10);
    expect(q.len()).toBe(0);
    expect(await q.get()).toBeUndefined();
    expect(q.isShuttingDown()).toBe(true);
  });

  it("shutDown clears delayed keys", () => {
    const q = new WorkQueue();
    q.addAfter("a", 100);
    q.shutDown();
    expect(q.delayedLen()).toBe(0);
    vi.advanceTimersByTime(200);
    expect(q.len()).toBe(0);
  });

  it("shutDownWithDrain resolves when keys in process are done", async () => {
    const q = new WorkQueue();
    q.add("a");
    q.add("b");
    const a = await q.get();
    const drained = q.shutDownWithDrain();
    expect((await settled(drained)).done).toBe(false);
    expect(await q.get()).toBeUndefined();
    q.done(a as string);
    expect((await settled(drained)).done).toBe(true);
  });

  it("shutDownWithDrain with nothing in process resolves at once", async () => {
    const q = new WorkQueue();
    await q.shutDownWithDrain();
  });

  it("records client-go's workqueue metrics", async () => {
    const registry = new Registry();
    const q = new WorkQueue({ name: "things", registry });
    const v = (name: string): Promise<number> => registry.value(name, { name: "things", controller: "things" });
    q.add("a");
    q.add("b");
    q.add("a"); // deduplicated: not an add, as in client-go
    q.addRateLimited("c");
    q.addAfter("d", 1_000); // a RequeueAfter: client-go counts it as a retry too
    expect(await v("workqueue_depth")).toBe(2);
    expect(await v("workqueue_adds_total")).toBe(2);
    expect(await v("workqueue_retries_total")).toBe(2);
    expect(await v("workqueue_queue_duration_seconds_count")).toBe(0);
    const a = await q.get();
    expect(await v("workqueue_queue_duration_seconds_count")).toBe(1);
    expect(await v("workqueue_unfinished_work")).toBe(1);
    vi.advanceTimersByTime(20); // fake timers: performance.now() moves with them
    expect(await v("workqueue_longest_running_processor_seconds")).toBeGreaterThanOrEqual(0.015);
    expect(await v("workqueue_unfinished_work_seconds")).toBeGreaterThanOrEqual(0.015);
    q.done(a as string);
    expect(await v("workqueue_work_duration_seconds_count")).toBe(1);
    expect(await v("workqueue_work_duration_seconds_sum")).toBeGreaterThanOrEqual(0.015);
    expect(await v("workqueue_unfinished_work_seconds")).toBe(0);
    expect(await v("workqueue_longest_running_processor_seconds")).toBe(0);
    expect(await registry.render()).toMatch(/^workqueue_depth\{name="things",controller="things"\} \d+$/m);
  });

  it("keeps two queues' series apart in one registry", async () => {
    const registry = new Registry();
    const a = new WorkQueue({ name: "a", registry });
    new WorkQueue({ name: "b", registry }).add("x");
    a.add("x");
    a.add("y");
    expect(await registry.value("workqueue_depth", { name: "a" })).toBe(2);
    expect(await registry.value("workqueue_depth", { name: "b" })).toBe(1);
  });

  it("lets go of a shut-down queue: a later term's queue of the same name is the one scraped, and the old one can be collected", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const registry = new Registry();
    let ref: WeakRef<WorkQueue> | undefined;
    (() => {
      const old = new WorkQueue({ name: "term", registry });
      old.add("x");
      old.add("y");
      old.shutDown();
      ref = new WeakRef(old);
    })();
    const next = new WorkQueue({ name: "term", registry });
    next.add("z");
    expect(await registry.value("workqueue_depth", { name: "term" })).toBe(1);
    vi.useRealTimers();
    await new Promise((r) => setTimeout(r, 0));
    gc();
    expect(ref?.deref(), "the old queue is still reachable (from the registry's scrape hooks)").toBeUndefined();
  });

  it("compacts its backing array under long use", async () => {
    const q = new WorkQueue();
    for (let i = 0; i < 5000; i++) q.add(`k${i}`);
    for (let i = 0; i < 5000; i++) {
      const k = await q.get();
      expect(k).toBe(`k${i}`);
      q.done(k as string);
    }
    expect(q.len()).toBe(0);
  });
});
