import { describe, expect, it } from "vitest";
import { Registry, setConditionCounts } from "./metrics.js";

describe("Registry (prom-client)", () => {
  it("renders counters and gauges with labels in the text format", async () => {
    const r = new Registry();
    const c = r.counter({ name: "reconcile_total", help: "Reconciles.", labelNames: ["controller", "result"] });
    c.inc({ controller: "work", result: "success" });
    c.inc({ controller: "work", result: "success" }, 2);
    c.inc({ controller: "work", result: "error" });
    r.gauge({ name: "up", help: "Up." }).set(1);
    const text = await r.render();
    expect(text).toContain("# HELP reconcile_total Reconciles.\n# TYPE reconcile_total counter\n");
    expect(text).toContain('reconcile_total{controller="work",result="success"} 3\n');
    expect(text).toContain('reconcile_total{controller="work",result="error"} 1\n');
    expect(text).toContain("# TYPE up gauge\nup 1\n");
    expect(Registry.contentType).toBe("text/plain; version=0.0.4; charset=utf-8");
  });

  it("renders histograms with cumulative buckets, sum and count; value() reads a series", async () => {
    const r = new Registry();
    const h = r.histogram({ name: "lat_seconds", help: "Latency.", labelNames: ["op"], buckets: [0.1, 1] });
    for (const v of [0.05, 0.5, 3]) h.observe({ op: "get" }, v);
    const text = await r.render();
    expect(text).toContain('lat_seconds_bucket{le="0.1",op="get"} 1');
    expect(text).toContain('lat_seconds_bucket{le="1",op="get"} 2');
    expect(text).toContain('lat_seconds_bucket{le="+Inf",op="get"} 3');
    expect(text).toContain('lat_seconds_sum{op="get"} 3.55');
    expect(text).toContain('lat_seconds_count{op="get"} 3');
    expect(await r.value("lat_seconds_count", { op: "get" })).toBe(3);
    expect(await r.value("lat_seconds_sum")).toBeCloseTo(3.55);
    expect(await r.value("no_such_metric")).toBe(0);
  });

  it("returns the same family for the same name and rejects a mismatch", () => {
    const r = new Registry();
    const a = r.counter({ name: "c", help: "h", labelNames: ["x"] });
    expect(r.counter({ name: "c", help: "h", labelNames: ["x"] })).toBe(a);
    expect(() => r.gauge({ name: "c", help: "h", labelNames: ["x"] })).toThrow(/already registered/);
    expect(() => r.counter({ name: "c", help: "h", labelNames: ["y"] })).toThrow(/already registered/);
  });

  it("keeps registries apart: one family name in two registries", async () => {
    const a = new Registry();
    const b = new Registry();
    a.counter({ name: "n_total", help: "h" }).inc(2);
    b.counter({ name: "n_total", help: "h" }).inc(5);
    expect(await a.value("n_total")).toBe(2);
    expect(await b.value("n_total")).toBe(5);
  });

  it("validates names and labels (prom-client's rules)", () => {
    const r = new Registry();
    expect(() => r.counter({ name: "bad-name", help: "h" })).toThrow(/Invalid metric name/);
    const c = r.counter({ name: "ok", help: "h", labelNames: ["a"] });
    expect(() => c.inc({ a: "1", b: "2" })).toThrow(/Added label "b" is not included/);
    expect(() => c.inc({ a: "1" }, -1)).toThrow(/not possible to decrease/);
    expect(() => r.histogram({ name: "h", help: "h", labelNames: ["le"] })).toThrow(/reserved/);
  });

  it("runs every caller's collect hook before a scrape", async () => {
    const r = new Registry();
    let n = 0;
    const g = r.gauge({ name: "depth", help: "d", labelNames: ["q"], collect: () => g.set({ q: "a" }, ++n) });
    r.gauge({ name: "depth", help: "d", labelNames: ["q"], collect: async () => g.set({ q: "b" }, 10 * n) });
    expect(await r.render()).toContain('depth{q="a"} 1\ndepth{q="b"} 10\n');
    expect(await r.value("depth", { q: "b" })).toBe(20);
  });

  it("adds prom-client's process and Node.js metrics only when asked, once", async () => {
    const r = new Registry();
    expect(await r.render()).not.toContain("process_resident_memory_bytes");
    r.collectDefaultMetrics();
    r.collectDefaultMetrics();
    const text = await r.render();
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).toContain("# TYPE nodejs_eventloop_lag_seconds gauge");
    expect(r.names()).toContain("process_cpu_seconds_total");
  });
});

describe("setConditionCounts", () => {
  it("counts objects by condition and status, a missing condition as Unknown, zeros included", async () => {
    const r = new Registry();
    const g = r.gauge({ name: "things", help: "h", labelNames: ["condition", "status"] });
    const objs = [
      { status: { conditions: [{ type: "Applied", status: "True" }, { type: "Available", status: "False" }] } },
      { status: { conditions: [{ type: "Applied", status: "True" }] } },
      {},
    ];
    setConditionCounts(g, objs, ["Applied", "Available"]);
    const v = (condition: string, status: string): Promise<number> => r.value("things", { condition, status });
    expect([await v("Applied", "True"), await v("Applied", "False"), await v("Applied", "Unknown")]).toEqual([2, 0, 1]);
    expect([await v("Available", "True"), await v("Available", "False"), await v("Available", "Unknown")]).toEqual([0, 1, 2]);
  });
});
