/**
 * A small Prometheus metrics registry: counters, gauges and histograms with
 * labels, rendered in the text exposition format (version 0.0.4).
 *
 * `registry.counter({name, help, labelNames})` returns the existing metric
 * when one of that name and type is registered already, so independent
 * components (two controllers, say) share one family and differ by labels.
 */

/** Label values by label name. */
export type Labels = Record<string, string | number>;

/** Common options of every metric. */
export interface MetricOptions {
  /** Metric name, `[a-zA-Z_:][a-zA-Z0-9_:]*`. */
  name: string;
  /** One-line description rendered as `# HELP`. */
  help: string;
  /** Allowed label names; every sample must set exactly these. Default none. */
  labelNames?: readonly string[];
}

/** Options of a {@link Histogram}. */
export interface HistogramOptions extends MetricOptions {
  /** Upper bounds of the buckets, ascending; `+Inf` is implied. Default {@link DEFAULT_BUCKETS}. */
  buckets?: readonly number[];
}

/** Prometheus' default buckets (seconds). */
export const DEFAULT_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Escapes a label value: backslash, double quote and newline. */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** Formats a sample value: integers plainly, ±Inf and NaN as Prometheus spells them. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

function renderLabels(names: readonly string[], values: readonly string[], extra?: [string, string]): string {
  const parts = names.map((n, i) => `${n}="${escapeLabelValue(values[i] ?? "")}"`);
  if (extra) parts.push(`${extra[0]}="${escapeLabelValue(extra[1])}"`);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

/** Base of all metrics: label handling and HELP/TYPE header. */
export abstract class Metric<S> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  abstract readonly type: "counter" | "gauge" | "histogram";
  protected readonly series = new Map<string, { values: string[]; sample: S }>();
  /** Called right before rendering (to refresh gauges computed on demand). */
  collect: (() => void) | undefined;

  constructor(opts: MetricOptions) {
    if (!NAME_RE.test(opts.name)) throw new Error(`invalid metric name ${JSON.stringify(opts.name)}`);
    for (const l of opts.labelNames ?? []) {
      if (!LABEL_RE.test(l) || l.startsWith("__")) throw new Error(`invalid label name ${JSON.stringify(l)} on ${opts.name}`);
    }
    this.name = opts.name;
    this.help = opts.help;
    this.labelNames = [...(opts.labelNames ?? [])];
  }

  protected abstract newSample(): S;

  protected sampleFor(labels: Labels | undefined): S {
    const values = this.labelNames.map((n) => {
      const v = labels?.[n];
      if (v === undefined) throw new Error(`metric ${this.name}: missing label ${n}`);
      return String(v);
    });
    if (labels !== undefined) {
      for (const k of Object.keys(labels)) {
        if (!this.labelNames.includes(k)) throw new Error(`metric ${this.name}: unknown label ${k}`);
      }
    }
    const key = values.join("\u0000");
    let s = this.series.get(key);
    if (s === undefined) {
      s = { values, sample: this.newSample() };
      this.series.set(key, s);
    }
    return s.sample;
  }

  /** Drops every series (all label combinations). */
  reset(): void {
    this.series.clear();
  }

  /** Drops one series. */
  remove(labels: Labels): void {
    this.series.delete(this.labelNames.map((n) => String(labels[n] ?? "")).join("\u0000"));
  }

  /** Text exposition of this metric family. */
  render(): string {
    const lines = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`];
    for (const { values, sample } of this.series.values()) this.renderSeries(lines, values, sample);
    return lines.join("\n") + "\n";
  }

  protected abstract renderSeries(lines: string[], values: readonly string[], sample: S): void;
}

/** A monotonically increasing count. */
export class Counter extends Metric<{ v: number }> {
  readonly type = "counter";
  protected newSample(): { v: number } {
    return { v: 0 };
  }
  /** Adds `value` (default 1, must not be negative). */
  inc(labels?: Labels, value = 1): void {
    if (value < 0) throw new Error(`counter ${this.name}: negative increment`);
    this.sampleFor(labels).v += value;
  }
  get(labels?: Labels): number {
    return this.sampleFor(labels).v;
  }
  protected renderSeries(lines: string[], values: readonly string[], s: { v: number }): void {
    lines.push(`${this.name}${renderLabels(this.labelNames, values)} ${formatValue(s.v)}`);
  }
}

/** A value that goes up and down. */
export class Gauge extends Metric<{ v: number }> {
  readonly type = "gauge";
  protected newSample(): { v: number } {
    return { v: 0 };
  }
  set(labels: Labels | undefined, value: number): void {
    this.sampleFor(labels).v = value;
  }
  inc(labels?: Labels, value = 1): void {
    this.sampleFor(labels).v += value;
  }
  dec(labels?: Labels, value = 1): void {
    this.sampleFor(labels).v -= value;
  }
  get(labels?: Labels): number {
    return this.sampleFor(labels).v;
  }
  protected renderSeries(lines: string[], values: readonly string[], s: { v: number }): void {
    lines.push(`${this.name}${renderLabels(this.labelNames, values)} ${formatValue(s.v)}`);
  }
}

interface HistogramSample {
  counts: number[];
  sum: number;
  count: number;
}

/** Observations counted into cumulative buckets, with sum and count. */
export class Histogram extends Metric<HistogramSample> {
  readonly type = "histogram";
  readonly buckets: readonly number[];

  constructor(opts: HistogramOptions) {
    super(opts);
    if (this.labelNames.includes("le")) throw new Error(`histogram ${opts.name}: "le" is reserved`);
    const b = [...(opts.buckets ?? DEFAULT_BUCKETS)].filter((x) => x !== Infinity);
    for (let i = 1; i < b.length; i++) {
      if ((b[i] as number) <= (b[i - 1] as number)) throw new Error(`histogram ${opts.name}: buckets must ascend`);
    }
    this.buckets = b;
  }

  protected newSample(): HistogramSample {
    return { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
  }

  observe(labels: Labels | undefined, value: number): void {
    const s = this.sampleFor(labels);
    s.sum += value;
    s.count++;
    for (let i = 0; i < this.buckets.length; i++) {
      if (value <= (this.buckets[i] as number)) s.counts[i] = (s.counts[i] as number) + 1;
    }
  }

  /** Starts a timer; the returned function observes the elapsed seconds and returns them. */
  startTimer(labels?: Labels): () => number {
    const start = performance.now();
    return () => {
      const secs = (performance.now() - start) / 1000;
      this.observe(labels, secs);
      return secs;
    };
  }

  /** Count and sum of one series. */
  get(labels?: Labels): { count: number; sum: number } {
    const s = this.sampleFor(labels);
    return { count: s.count, sum: s.sum };
  }

  protected renderSeries(lines: string[], values: readonly string[], s: HistogramSample): void {
    this.buckets.forEach((b, i) => {
      lines.push(`${this.name}_bucket${renderLabels(this.labelNames, values, ["le", formatValue(b)])} ${s.counts[i] ?? 0}`);
    });
    lines.push(`${this.name}_bucket${renderLabels(this.labelNames, values, ["le", "+Inf"])} ${s.count}`);
    lines.push(`${this.name}_sum${renderLabels(this.labelNames, values)} ${formatValue(s.sum)}`);
    lines.push(`${this.name}_count${renderLabels(this.labelNames, values)} ${s.count}`);
  }
}

/** A set of metric families rendered together. */
export class Registry {
  /** Content-Type of {@link Registry.render}'s output. */
  static readonly contentType = "text/plain; version=0.0.4; charset=utf-8";
  private readonly metrics = new Map<string, Metric<unknown>>();

  private getOrCreate<M extends Metric<unknown>>(opts: MetricOptions, type: M["type"], make: () => M): M {
    const existing = this.metrics.get(opts.name);
    if (existing !== undefined) {
      const same = existing.labelNames.join(",") === [...(opts.labelNames ?? [])].join(",");
      if (existing.type !== type || !same) throw new Error(`metric ${opts.name} already registered with another type or labels`);
      return existing as M;
    }
    const m = make();
    this.metrics.set(opts.name, m);
    return m;
  }

  counter(opts: MetricOptions): Counter {
    return this.getOrCreate(opts, "counter", () => new Counter(opts));
  }

  gauge(opts: MetricOptions): Gauge {
    return this.getOrCreate(opts, "gauge", () => new Gauge(opts));
  }

  histogram(opts: HistogramOptions): Histogram {
    return this.getOrCreate(opts, "histogram", () => new Histogram(opts));
  }

  /** The registered metric of that name, if any. */
  get(name: string): Metric<unknown> | undefined {
    return this.metrics.get(name);
  }

  /** All families in the text exposition format, sorted by name. */
  render(): string {
    const names = [...this.metrics.keys()].sort();
    let out = "";
    for (const n of names) {
      const m = this.metrics.get(n) as Metric<unknown>;
      m.collect?.();
      out += m.render();
    }
    return out;
  }
}

/** The process-wide registry used when a component is given none. */
export const defaultRegistry = new Registry();
