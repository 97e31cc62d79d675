import { describe, expect, it } from "vitest";
import type { KubeObject } from "@work-api/api";
import { Controller, type ReconcileFunc } from "./controller.js";
import { TerminalError } from "./errors.js";
import type { EventHandler } from "./informer.js";
import { memoryLogger } from "./logger.js";
import { Registry } from "./metrics.js";
import { ItemExponentialRateLimiter } from "./ratelimiter.js";

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

function make(reconcile: ReconcileFunc, extra: Partial<ConstructorParameters<typeof Controller>[0]> = {}) {
  const registry = new Registry();
  const logger = memoryLogger();
  const c = new Controller({ name: "test", reconcile, registry, logger, rateLimiter: new ItemExponentialRateLimiter({ baseDelayMs: 5, maxDelayMs: 20 }), ...extra });
  return { c, registry, logger };
}

describe("Controller", () => {
  it("reconciles enqueued keys, logging with controller, key and reconcileId", async () => {
    const seen: string[] = [];
    const { c, registry, logger } = make(async (key) => {
      seen.push(key);
    });
    await c.start();
    c.enqueue("ns/a");
    c.enqueue("ns/b");
    await until(() => seen.length === 2);
    await c.stop();
    expect(seen.sort()).toEqual(["ns/a", "ns/b"]);
    const rec = logger.entries.find((e) => e.msg === "Reconciled");
    expect(rec?.fields).toMatchObject({ controller: "test", key: expect.any(String), reconcileId: expect.stringMatching(/^[0-9a-f]{16}$/) });
    const text = await registry.render();
    expect(text).toContain('controller_runtime_reconcile_total{controller="test",result="success"} 2');
    expect(text).toContain('controller_runtime_reconcile_time_seconds_count{controller="test"} 2');
    expect(text).toContain('controller_runtime_reconcile_time_seconds_bucket{le="60",controller="test"} 2');
    expect(text).toContain('controller_runtime_max_concurrent_reconciles{controller="test"} 1');
    expect(text).toContain('controller_runtime_active_workers{controller="test"} 0');
  });

  it("retries errors with backoff and forgets on success", async () => {
    let calls = 0;
    const { c, registry } = make(async () => {
      calls++;
      if (calls < 3) throw new Error("transient");
    });
    await c.start();
    c.enqueue("k");
    await until(() => calls === 3);
    await until(() => c.queue.numRequeues("k") === 0);
    await c.stop();
    const text = await registry.render();
    expect(text).toContain('controller_runtime_reconcile_total{controller="test",result="error"} 2');
    expect(text).toContain('controller_runtime_reconcile_errors_total{controller="test"} 2');
  });

  it("does not retry a TerminalError", async () => {
    let calls = 0;
    const { c, logger, registry } = make(async () => {
      calls++;
      throw new TerminalError("invalid spec");
    });
    await c.start();
    c.enqueue("k");
    await until(() => calls === 1);
    await new Promise((r) => setTimeout(r, 60));
    await c.stop();
    expect(calls).toBe(1);
    expect(logger.entries.some((e) => e.msg === "Reconciler returned a terminal error, not retrying")).toBe(true);
    // As controller-runtime: a terminal error is an error (result "error", errors_total) that is also counted as terminal.
    expect(await registry.value("controller_runtime_terminal_reconcile_errors_total", { controller: "test" })).toBe(1);
    expect(await registry.value("controller_runtime_reconcile_errors_total", { controller: "test" })).toBe(1);
    expect(await registry.value("controller_runtime_reconcile_total", { controller: "test", result: "error" })).toBe(1);
  });

  it("requeues after requeueAfter", async () => {
    const times: number[] = [];
    const { c } = make(async () => {
      times.push(Date.now());
      return times.length < 2 ? { requeueAfter: 50 } : undefined;
    });
    await c.start();
    c.enqueue("k");
    await until(() => times.length === 2);
    await c.stop();
    expect((times[1] as number) - (times[0] as number)).toBeGreaterThanOrEqual(45);
  });

  it("never runs one key on two workers, and runs distinct keys in parallel up to concurrency", async () => {
    let active = 0;
    let maxActive = 0;
    const perKey = new Map<string, number>();
    let runs = 0;
    let overlap = false;
    const { c } = make(
      async (key) => {
        perKey.set(key, (perKey.get(key) ?? 0) + 1);
        if (perKey.get(key) !== 1) overlap = true;
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise((r) => setTimeout(r, 20));
        active--;
        perKey.set(key, (perKey.get(key) ?? 1) - 1);
        runs++;
      },
      { concurrency: 3 },
    );
    await c.start();
    for (let i = 0; i < 6; i++) c.enqueue(`k${i}`);
    c.enqueue("k0");
    await new Promise((r) => setTimeout(r, 5));
    c.enqueue("k0");
    await until(() => runs >= 7);
    await c.stop();
    expect(maxActive).toBe(3);
    expect(overlap).toBe(false);
  });

  it("waits for sources to sync before starting workers", async () => {
    let release!: () => void;
    const synced = new Promise<void>((r) => (release = r));
    const seen: string[] = [];
    const { c } = make(async (k) => {
      seen.push(k);
    }, { waitFor: [{ waitForSync: () => synced }] });
    c.enqueue("early");
    const started = c.start();
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual([]);
    release();
    await started;
    await until(() => seen.length === 1);
    await c.stop();
  });

  it("stop lets in-flight reconciles finish, then aborts after the timeout", async () => {
    let finished = false;
    const { c } = make(async () => {
      await new Promise((r) => setTimeout(r, 30));
      finished = true;
    });
    await c.start();
    c.enqueue("k");
    await new Promise((r) => setTimeout(r, 5));
    await c.stop();
    expect(finished).toBe(true);

    let aborted = false;
    const slow = make(
      (_k, signal) =>
        new Promise<void>((resolve) => {
          signal.addEventListener("abort", () => {
            aborted = true;
            resolve();
          });
        }),
      { stopTimeoutMs: 30 },
    );
    await slow.c.start();
    slow.c.enqueue("k");
    await new Promise((r) => setTimeout(r, 5));
    await slow.c.stop();
    expect(aborted).toBe(true);
    expect(slow.logger.entries.some((e) => e.msg === "Reconciles still running at stop timeout, aborting them")).toBe(true);
  });

  it("aborts in-flight reconciles at once when the start signal (a leader term) ends", async () => {
    let abortedAt = 0;
    const { c } = make(
      (_k, signal) =>
        new Promise<void>((resolve) => {
          signal.addEventListener("abort", () => {
            abortedAt = Date.now();
            resolve();
          });
        }),
      { stopTimeoutMs: 60_000 },
    );
    const term = new AbortController();
    await c.start(term.signal);
    c.enqueue("k");
    await new Promise((r) => setTimeout(r, 5));
    const t0 = Date.now();
    term.abort(new Error("lost the Lease"));
    await until(() => abortedAt > 0, 2_000);
    expect(abortedAt - t0).toBeLessThan(1_000);
    await c.stop();
  });

  it("maps informer events to keys with watch()", async () => {
    let handler: EventHandler<KubeObject> | undefined;
    const source = {
      addEventHandler: (h: EventHandler<KubeObject>) => {
        handler = h;
        return () => {};
      },
    };
    const seen: string[] = [];
    const { c } = make(async (k) => {
      seen.push(k);
    });
    c.watch(source, (o) => o.metadata?.labels?.owner);
    await c.start();
    handler?.onAdd?.({ metadata: { name: "x", labels: { owner: "ns/o1" } } });
    handler?.onUpdate?.({ metadata: { name: "x", labels: { owner: "ns/o1" } } }, { metadata: { name: "x", labels: { owner: "ns/o2" } } });
    handler?.onDelete?.({ metadata: { name: "y" } });
    await until(() => seen.length >= 2);
    await c.stop();
    expect(new Set(seen)).toEqual(new Set(["ns/o1", "ns/o2"]));
  });

  it("refuses a second start", async () => {
    const { c } = make(async () => {});
    await c.start();
    await expect(c.start()).rejects.toThrow(/already started/);
    await c.stop();
  });
});
