import { describe, expect, it } from "vitest";
import { Registry, escapeLabelValue, formatValue } from "./metrics.js";

describe("Registry", () => {
  it("renders counters and gauges with labels in text format", () => {
    const r = new Registry();
    const c = r.counter({ name: "reconcile_total", help: "Reconciles.", labelNames: ["controller", "result"] });
    c.inc({ controller: "work", result: "success" });
    c.inc({ controller: "work", result: "success" }, 2);
    c.inc({ controller: "work", result: "error" });
    const g = r.gauge({ name: "up", help: "Up." });
    g.set(undefined, 1);
    expect(r.render()).toBe(
      [
        "# HELP reconcile_total Reconciles.",
        "# TYPE reconcile_total counter",
        'reconcile_total{controller="work",result="success"} 3',
        'reconcile_total{controller="work",result="error"} 1',
        "# HELP up Up.",
        "# TYPE up gauge",
        "up 1",
        "",
      ].join("\n"),
    );
  });

  it("renders histograms with cumulative buckets, +Inf, sum and count", () => {
    const r = new Registry();
    const h = r.histogram({ name: "lat_seconds", help: "Latency.", labelNames: ["op"], buckets: [0.1, 1] });
    h.observe({ op: "get" }, 0.05);
    h.observe({ op: "get" }, 0.5);
    h.observe({ op: "get" }, 3);
    expect(r.render()).toBe(
      [
        "# HELP lat_seconds Latency.",
        "# TYPE lat_seconds histogram",
        'lat_seconds_bucket{op="get",le="0.1"} 1',
        'lat_seconds_bucket{op="get",le="1"} 2',
        'lat_seconds_bucket{op="get",le="+Inf"} 3',
        'lat_seconds_sum{op="get"} 3.55',
        'lat_seconds_count{op="get"} 3',
        "",
      ].join("\n"),
    );
    expect(h.get({ op: "get" }).count).toBe(3);
  });

  it("escapes label values and help text", () => {
    expect(escapeLabelValue('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
    const r = new Registry();
    r.counter({ name: "x", help: "line1\nline2", labelNames: ["l"] }).inc({ l: 'q"' });
    expect(r.render()).toContain("# HELP x line1\\nline2");
    expect(r.render()).toContain('x{l="q\\""} 1');
  });

  it("formats special values", () => {
    expect(formatValue(Infinity)).toBe("+Inf");
    expect(formatValue(-Infinity)).toBe("-Inf");
    expect(formatValue(NaN)).toBe("NaN");
    expect(formatValue(2)).toBe("2");
  });

  it("returns the same family for the same name, rejects a mismatch", () => {
    const r = new Registry();
    const a = r.counter({ name: "c", help: "h", labelNames: ["x"] });
    expect(r.counter({ name: "c", help: "h", labelNames: ["x"] })).toBe(a);
    expect(() => r.gauge({ name: "c", help: "h", labelNames: ["x"] })).toThrow(/already registered/);
    expect(() => r.counter({ name: "c", help: "h", labelNames: ["y"] })).toThrow(/already registered/);
  });

  it("validates names and labels", () => {
    const r = new Registry();
    expect(() => r.counter({ name: "bad-name", help: "h" })).toThrow(/invalid metric name/);
    const c = r.counter({ name: "ok", help: "h", labelNames: ["a"] });
    expect(() => c.inc({})).toThrow(/missing label a/);
    expect(() => c.inc({ a: "1", b: "2" })).toThrow(/unknown label b/);
    expect(() => c.inc({ a: "1" }, -1)).toThrow(/negative/);
    expect(() => r.histogram({ name: "h", help: "h", labelNames: ["le"] })).toThrow(/reserved/);
  });

  it("runs collect hooks before rendering", () => {
    const r = new Registry();
    const g = r.gauge({ name: "depth", help: "d" });
    let n = 0;
    g.collect = () => g.set(undefined, ++n);
    expect(r.render()).toContain("depth 1");
    expect(r.render()).toContain("depth 2");
  });
});
