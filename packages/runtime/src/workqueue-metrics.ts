/**
 * The `workqueue_*` families of a {@link WorkQueue}, with client-go's names,
 * meanings and buckets as controller-runtime registers them (labels `name`
 * and `controller`, both the queue's name; no `priority` label: this queue
 * has no priorities):
 *
 * - `workqueue_adds_total`: adds that queued a key (an add of a key already
 *   queued is deduplicated and not counted, as in client-go);
 * - `workqueue_depth`: keys ready to be handed out;
 * - `workqueue_queue_duration_seconds`: from the add to the hand-out;
 * - `workqueue_work_duration_seconds`: from the hand-out to `done`;
 * - `workqueue_unfinished_work_seconds` / `workqueue_longest_running_processor_seconds`:
 *   time spent so far on keys in process (all of them / the oldest one),
 *   computed at scrape time;
 * - `workqueue_retries_total`: rate-limited requeues.
 *
 * Plus `workqueue_unfinished_work` (this project's): keys in process.
 */
import { exponentialBuckets, type Registry } from "./metrics.js";

/** What a workqueue reports; a no-op without a registry. */
export interface QueueRecorder {
  /** `key` was queued (it was not queued already). */
  added(key: string): void;
  /** `key` was handed out to a worker. */
  handedOut(key: string): void;
  /** The worker is done with `key`. */
  done(key: string): void;
  retried(): void;
  /** The queue shut down: it drops every queued key, and its scrape-time gauges stop reading it. */
  dropped(): void;
}

/** What the recorder reads from the queue at scrape time. */
export interface QueueState {
  len(): number;
  processingLen(): number;
}

export const noQueueMetrics: QueueRecorder = {
  added: () => undefined,
  handedOut: () => undefined,
  done: () => undefined,
  retried: () => undefined,
  dropped: () => undefined,
};

/** client-go's workqueue latency buckets: 10 ns to 1000 s, ×10 each. */
export const WORKQUEUE_BUCKETS: readonly number[] = exponentialBuckets(10e-9, 10, 12);

const LABELS = ["name", "controller"] as const;

/** Registers (or joins) the workqueue families in `reg` and records the queue `name` into them. */
export function queueMetrics(reg: Registry, name: string, queue: QueueState): QueueRecorder {
  const labels = { name, controller: name };
  const addTimes = new Map<string, number>();
  const startTimes = new Map<string, number>();
  const now = (): number => performance.now();
  const inProcess = (): number[] => [...startTimes.values()].map((t) => (now() - t) / 1000);
  // A queue of a past leader term must not stay reachable from the registry: its hooks go at shutdown.
  const hooks: [string, () => void][] = [];
  const gauge = (metric: string, help: string, value: () => number): void => {
    const hook = (): void => g.set(labels, value());
    const g = reg.gauge({ name: metric, help, labelNames: LABELS, collect: hook });
    hooks.push([metric, hook]);
    g.set(labels, 0);
  };
  gauge("workqueue_depth", "Current depth of workqueue.", () => queue.len());
  gauge("workqueue_unfinished_work", "Keys being processed right now.", () => queue.processingLen());
  gauge(
    "workqueue_unfinished_work_seconds",
    "How many seconds of work has been done that is in progress and hasn't been observed by work_duration. Large values indicate stuck threads.",
    () => inProcess().reduce((a, b) => a + b, 0),
  );
  gauge("workqueue_longest_running_processor_seconds", "How many seconds has the longest running processor for workqueue been running.", () => Math.max(0, ...inProcess()));
  const adds = reg.counter({ name: "workqueue_adds_total", help: "Total number of adds handled by workqueue.", labelNames: LABELS });
  const retries = reg.counter({ name: "workqueue_retries_total", help: "Total number of retries handled by workqueue.", labelNames: LABELS });
  const latency = reg.histogram({ name: "workqueue_queue_duration_seconds", help: "How long in seconds an item stays in workqueue before being requested.", labelNames: LABELS, buckets: WORKQUEUE_BUCKETS });
  const work = reg.histogram({ name: "workqueue_work_duration_seconds", help: "How long in seconds processing an item from workqueue takes.", labelNames: LABELS, buckets: WORKQUEUE_BUCKETS });
  adds.inc(labels, 0);
  retries.inc(labels, 0);
  latency.zero(labels);
  work.zero(labels);
  return {
    added: (key) => {
      adds.inc(labels);
      if (!addTimes.has(key)) addTimes.set(key, now());
    },
    handedOut: (key) => {
      const t = addTimes.get(key);
      addTimes.delete(key);
      if (t !== undefined) latency.observe(labels, (now() - t) / 1000);
      startTimes.set(key, now());
    },
    done: (key) => {
      const t = startTimes.get(key);
      startTimes.delete(key);
      if (t !== undefined) work.observe(labels, (now() - t) / 1000);
    },
    retried: () => retries.inc(labels),
    dropped: () => {
      addTimes.clear();
      for (const [metric, hook] of hooks.splice(0)) {
        reg.removeCollect(metric, hook);
        reg.gauge({ name: metric, help: "", labelNames: LABELS }).set(labels, 0);
      }
    },
  };
}
