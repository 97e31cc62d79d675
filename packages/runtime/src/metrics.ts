/**
 * Prometheus metrics on prom-client. A {@link Registry} wraps one prom-client
 * `Registry` (one per process, or per test: nothing is global) and adds
 * get-or-create by name, so independent components (two controllers, the
 * workqueues under them) share one family and differ by labels.
 *
 * The metrics handed out are prom-client's own `Counter`, `Gauge` and
 * `Histogram`. A family computed on scrape takes a `collect` hook; several
 * callers of one name may each add theirs (every workqueue sets its own
 * `workqueue_depth` series), and all run before the family is read.
 *
 * prom-client's process and Node.js metrics (`process_*`, `nodejs_*`, among
 * them `process_resident_memory_bytes` and `nodejs_eventloop_lag_seconds`)
 * are registered by {@link Registry.collectDefaultMetrics}, which the ops
 * server calls once for a registry it serves: they describe the process, so
 * one served registry per process has them, and the many registries of unit
 * tests never start an event-loop monitor or a GC observer.
 */
import client from "prom-client";

/** Label values by label name. */
export type Labels = Record<string, string | number>;
export type Counter = client.Counter<string>;
export type Gauge = client.Gauge<string>;
export type Histogram = client.Histogram<string>;
/** Any metric a {@link Registry} hands out. */
export type Metric = Counter | Gauge | Histogram;

/** Runs before a family is read (to set gauges from a cache, or mirror totals counted elsewhere). */
export type CollectHook = () => void | Promise<void>;

/** Common options of every metric. */
export interface MetricOptions {
  /** Metric name, `[a-zA-Z_:][a-zA-Z0-9_:]*`. */
  name: string;
  /** One-line description rendered as `# HELP`. */
  help: string;
  /** Label names of the family. Default none. */
  labelNames?: readonly string[];
  /** Added to the family's hooks, which run before each scrape. */
  collect?: CollectHook;
}

/** Options of a histogram. */
export interface HistogramOptions extends MetricOptions {
  /** Upper bounds of the buckets, ascending; `+Inf` is implied. Default prom-client's (Prometheus' defaults). */
  buckets?: readonly number[];
}

/** `count` buckets from `start`, each `factor` times the previous (prom-client's). */
export const exponentialBuckets: (start: number, factor: number, count: number) => number[] = client.exponentialBuckets;

type MetricClass = typeof client.Counter | typeof client.Gauge | typeof client.Histogram;

/** A set of metric families served together. */
export class Registry {
  /** Content-Type of {@link Registry.render}'s output (text exposition format 0.0.4). */
  static readonly contentType: string = client.Registry.PROMETHEUS_CONTENT_TYPE;
  /** The prom-client registry behind this one, for what the wrapper does not cover. */
  readonly prom: client.Registry = new client.Registry();
  private readonly hooks = new Map<string, CollectHook[]>();
  private defaults = false;

  counter(opts: MetricOptions): Counter {
    return this.getOrCreate(opts, client.Counter, (collect) => new client.Counter({ ...this.config(opts), collect }));
  }

  gauge(opts: MetricOptions): Gauge {
    return this.getOrCreate(opts, client.Gauge, (collect) => new client.Gauge({ ...this.config(opts), collect }));
  }

  histogram(opts: HistogramOptions): Histogram {
    return this.getOrCreate(opts, client.Histogram, (collect) => new client.Histogram({ ...this.config(opts), ...(opts.buckets ? { buckets: [...opts.buckets] } : {}), collect }));
  }

  /** The registered metric of that name, if any. */
  get(name: string): client.Metric | undefined {
    return this.prom.getSingleMetric(name);
  }

  /** Names of the registered families (a histogram's series add `_bucket`, `_sum` and `_count`). */
  names(): string[] {
    return this.prom.getMetricsAsArray().map((m) => (m as unknown as { name: string }).name);
  }

  /**
   * Sum of the samples of `name` whose labels include `labels` (a histogram's samples by their
   * series name: `x_count`, `x_sum`, `x_bucket`). Runs the family's collect hooks. For tests and
   * status pages; Prometheus reads {@link render}.
   */
  async value(name: string, labels: Labels = {}): Promise<number> {
    const base = this.get(name) !== undefined ? name : name.replace(/_(count|sum|bucket)$/, "");
    const family = this.get(base);
    if (family === undefined) return 0;
    const { values } = await family.get();
    const wanted = Object.entries(labels).map(([k, v]) => [k, String(v)] as const);
    let total = 0;
    for (const s of values as { value: number; labels: Record<string, unknown>; metricName?: string }[]) {
      if ((s.metricName ?? base) === name && wanted.every(([k, v]) => String(s.labels[k]) === v)) total += s.value;
    }
    return total;
  }

  /** Every family in the text exposition format (runs the collect hooks). */
  render(): Promise<string> {
    return this.prom.metrics();
  }

  /** Drops a hook given as `collect` (when what it reads is gone, e.g. a stopped workqueue). */
  removeCollect(name: string, hook: CollectHook): void {
    const hooks = this.hooks.get(name);
    const i = hooks?.indexOf(hook) ?? -1;
    if (i >= 0) hooks!.splice(i, 1);
  }

  /** Registers prom-client's process and Node.js metrics, once; later calls do nothing. */
  collectDefaultMetrics(): void {
    if (this.defaults) return;
    this.defaults = true;
    client.collectDefaultMetrics({ register: this.prom });
  }

  private config(opts: MetricOptions): { name: string; help: string; labelNames: string[]; registers: client.Registry[] } {
    return { name: opts.name, help: opts.help, labelNames: [...(opts.labelNames ?? [])], registers: [this.prom] };
  }

  private getOrCreate<M extends Metric>(opts: MetricOptions, type: MetricClass, make: (collect: () => Promise<void>) => M): M {
    const existing = this.get(opts.name);
    if (existing !== undefined) {
      const labels = (existing as unknown as { labelNames?: readonly string[] }).labelNames ?? [];
      if (!(existing instanceof type) || labels.join(",") !== (opts.labelNames ?? []).join(",")) {
        throw new Error(`metric ${opts.name} already registered with another type or labels`);
      }
      if (opts.collect) this.hooks.get(opts.name)?.push(opts.collect);
      return existing as M;
    }
    const hooks: CollectHook[] = opts.collect ? [opts.collect] : [];
    this.hooks.set(opts.name, hooks);
    return make(async () => {
      for (const h of hooks) await h();
    });
  }
}

/** An object with status conditions (a Work, a ClusterProfile). */
export interface WithConditions {
  status?: { conditions?: readonly { type: string; status: string }[] | undefined } | undefined;
}

const CONDITION_STATUSES = ["True", "False", "Unknown"] as const;

/**
 * Sets `gauge{condition,status}` to how many of `objects` have each status (True, False, Unknown)
 * of each condition type in `types`; an object without the condition (or with another status)
 * counts as Unknown. Every combination is set, zeros included, so the series always exist.
 */
export function setConditionCounts(gauge: Gauge, objects: Iterable<WithConditions>, types: readonly string[]): void {
  const counts = new Map<string, number>();
  for (const o of objects) {
    for (const type of types) {
      const s = o.status?.conditions?.find((c) => c.type === type)?.status;
      const status = s === "True" || s === "False" ? s : "Unknown";
      counts.set(`${type}/${status}`, (counts.get(`${type}/${status}`) ?? 0) + 1);
    }
  }
  for (const condition of types) for (const status of CONDITION_STATUSES) gauge.set({ condition, status }, counts.get(`${condition}/${status}`) ?? 0);
}

/** The process-wide registry used when a component is given none. */
export const defaultRegistry = new Registry();
