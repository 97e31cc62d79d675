/**
 * EventRecorder: writes core/v1 Events about objects, like client-go's
 * recorder. Repeats of the same (object, type, reason, message) within the
 * aggregation window bump `count` and `lastTimestamp` on the existing Event
 * instead of creating a new one. Recording never throws and never blocks the
 * caller: writes happen in the background (at most `concurrency` at once) and
 * failures are logged.
 */
import os from "node:os";
import PQueue from "p-queue";
import type { KubeObject } from "@work-api/api";
import type { KubeClient } from "./client.js";
import { ensureError, isNotFound } from "./errors.js";
import { noopLogger, type Logger } from "./logger.js";
import type { ResourceRef } from "./paths.js";

/** core/v1 events. */
export const EventResource: ResourceRef = { group: "", version: "v1", resource: "events", namespaced: true, kind: "Event" };

/** Event type. */
export type EventType = "Normal" | "Warning";

/** Options of {@link EventRecorder}. */
export interface EventRecorderOptions {
  client: KubeClient;
  /** Reporting component, e.g. "work-agent" (source.component and reportingComponent). */
  component: string;
  /** Reporting instance. Default the hostname. */
  instance?: string;
  /** Repeats within this window are aggregated into one Event. Default 10 min. */
  aggregationWindowMs?: number;
  /** Distinct events remembered for aggregation (LRU). Default 4096. */
  maxCacheEntries?: number;
  /** Parallel writes. Default 4. */
  concurrency?: number;
  /** Pending writes beyond which new events are dropped (and logged). Default 1000. */
  maxPending?: number;
  logger?: Logger;
}

interface Entry {
  name: string | undefined;
  namespace: string;
  count: number;
  lastSeen: number;
  chain: Promise<void>;
}

const MAX_MESSAGE = 1024;

function metaTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
}

/** Records Events about objects. */
export class EventRecorder {
  private readonly o: Required<Omit<EventRecorderOptions, "logger">>;
  private readonly log: Logger;
  private readonly queue: PQueue;
  private readonly cache = new Map<string, Entry>();
  private seq = 0n;

  constructor(opts: EventRecorderOptions) {
    this.o = {
      instance: os.hostname(),
      aggregationWindowMs: 10 * 60_000,
      maxCacheEntries: 4096,
      concurrency: 4,
      maxPending: 1000,
      ...opts,
    };
    this.log = (opts.logger ?? noopLogger).child({ component: "events" });
    this.queue = new PQueue({ concurrency: this.o.concurrency });
  }

  /** Records an event about `obj`. Returns at once; never throws. */
  event(obj: KubeObject, type: EventType, reason: string, message: string): void {
    try {
      this.record(obj, type, reason, message);
    } catch (e) {
      this.log.error({ err: ensureError(e), reason }, "Failed to record event");
    }
  }

  /** Resolves once every pending write finished (for tests and shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.cache.values()].map((e) => e.chain));
    await this.queue.onIdle();
  }

  private record(obj: KubeObject, type: EventType, reason: string, rawMessage: string): void {
    const md = obj.metadata ?? {};
    if (md.name === undefined || md.name === "") throw new Error("event about an object without a name");
    if (this.queue.size + this.queue.pending >= this.o.maxPending) {
      this.log.warn({ reason, object: `${obj.kind ?? ""}/${md.namespace ?? ""}/${md.name}` }, "Too many pending events, dropping one");
      return;
    }
    const message = rawMessage.length > MAX_MESSAGE ? `${rawMessage.slice(0, MAX_MESSAGE - 3)}...` : rawMessage;
    const involved = {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      name: md.name,
      ...(md.namespace !== undefined ? { namespace: md.namespace } : {}),
      ...(md.uid !== undefined ? { uid: md.uid } : {}),
      ...(md.resourceVersion !== undefined ? { resourceVersion: md.resourceVersion } : {}),
    };
    const namespace = md.namespace !== undefined && md.namespace !== "" ? md.namespace : "default";
    const key = [type, reason, message, obj.kind ?? "", md.namespace ?? "", md.name, md.uid ?? ""].join("\u0000");
    const now = Date.now();
    let entry = this.cache.get(key);
    if (entry !== undefined && now - entry.lastSeen > this.o.aggregationWindowMs) entry = undefined;
    if (entry === undefined) {
      entry = { name: undefined, namespace, count: 0, lastSeen: now, chain: Promise.resolve() };
    }
    this.cache.delete(key);
    this.cache.set(key, entry);
    while (this.cache.size > this.o.maxCacheEntries) this.cache.delete(this.cache.keys().next().value as string);
    entry.count++;
    entry.lastSeen = now;
    const e = entry;
    const count = e.count;
    e.chain = e.chain.then(() =>
      this.queue.add(async () => {
        try {
          await this.write(e, count, now, { type, reason, message, involved, objName: md.name as string });
        } catch (err) {
          this.log.warn({ err: ensureError(err), reason, namespace }, "Failed to write event");
        }
      }),
    );
  }

  private async write(
    e: Entry,
    count: number,
    now: number,
    ev: { type: EventType; reason: string; message: string; involved: Record<string, unknown>; objName: string },
  ): Promise<void> {
    const { client } = this.o;
    if (e.name !== undefined && count > 1) {
      try {
        await client.patch(EventResource, e.name, { count, lastTimestamp: metaTime(now) }, { namespace: e.namespace });
        return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        // the Event was deleted (TTL): start a new one
      }
    }
    const nanos = BigInt(now) * 1_000_000n + (this.seq++ % 1_000_000n);
    e.name = `${ev.objName}.${nanos.toString(16)}`;
    await client.create(EventResource, {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: e.name, namespace: e.namespace },
      involvedObject: ev.involved,
      type: ev.type,
      reason: ev.reason,
      message: ev.message,
      count,
      firstTimestamp: metaTime(now),
      lastTimestamp: metaTime(now),
      source: { component: this.o.component, host: this.o.instance },
      reportingComponent: this.o.component,
      reportingInstance: this.o.instance,
    });
  }
}
