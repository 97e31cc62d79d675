/**
 * The agent's view of its spoke: one label-selected informer per resource
 * kind it has applied (so reading an applied object costs no request, and an
 * out-of-band change or delete wakes the owning Work), plus the writes of a
 * bundle apply: server-side apply with fieldValidation=Strict and deletes
 * with UID preconditions.
 */
import type { KubeObject } from "@work-api/api";
import type { ApplyOptions, ApplyResponse, DeleteOutcome, Mapper, ResourceMapping } from "@work-api/apply";
import { Informer, isForbidden, isNotFound, makeKey, type KubeClient, type Logger } from "@work-api/runtime";
import type { SpokeObjects } from "./ports.js";
import { newerOf } from "./versions.js";

export interface SpokeCacheOptions {
  client: KubeClient;
  mapper: Mapper;
  /** Label selector of every object this agent applies. */
  labelSelector: string;
  log: Logger;
  /** Called with an object's labels when it changes or disappears on the spoke. */
  onChange: (obj: KubeObject) => void;
  /** How long a reader waits for a new informer's first list. Default 30 s. */
  syncTimeoutMs?: number;
}

interface Entry {
  /** undefined when the agent may not list/watch this resource: it falls back to GETs. */
  informer: Informer | undefined;
  ready: Promise<void>;
}

const gvrKey = (m: ResourceMapping): string => `${m.group}/${m.version}/${m.resource}`;

export class SpokeCache implements SpokeObjects {
  readonly mapper: Mapper;
  private readonly entries = new Map<string, Entry>();
  /** Objects this agent wrote that its informers may not have seen yet. */
  private readonly written = new Map<string, KubeObject>();

  constructor(private readonly o: SpokeCacheOptions) {
    this.mapper = o.mapper;
  }

  /** Number of kinds watched, for metrics and tests. */
  get watchedKinds(): number {
    return [...this.entries.values()].filter((e) => e.informer !== undefined).length;
  }

  private entry(m: ResourceMapping): Entry {
    const k = gvrKey(m);
    let e = this.entries.get(k);
    if (e) return e;
    const ref = { group: m.group, version: m.version, resource: m.resource, namespaced: m.namespaced, kind: m.kind };
    const created: Entry = { informer: undefined, ready: Promise.resolve() };
    created.ready = (async (): Promise<void> => {
      try {
        // Probe: an informer on a resource the agent may not list would retry forever.
        await this.o.client.list(ref, { labelSelector: this.o.labelSelector, limit: 1 });
      } catch (err) {
        if (isForbidden(err) || isNotFound(err)) {
          this.o.log.info({ resource: k, err: (err as Error).message }, "cannot watch resource; reading objects one by one");
          return;
        }
        this.entries.delete(k);
        throw err;
      }
      const inf = new Informer(this.o.client, ref, { labelSelector: this.o.labelSelector, logger: this.o.log, name: `spoke-${m.resource}` });
      inf.addEventHandler({
        onAdd: (obj) => this.o.onChange(obj),
        onUpdate: (oldObj, obj) => {
          if (oldObj.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.o.onChange(obj);
        },
        onDelete: (obj) => {
          this.written.delete(this.objKey(m, obj.metadata?.namespace, obj.metadata?.name ?? ""));
          this.o.onChange(obj);
        },
      });
      created.informer = inf;
      inf.start();
      const timeout = AbortSignal.timeout(this.o.syncTimeoutMs ?? 30_000);
      try {
        await inf.waitForSync(timeout);
      } catch (err) {
        // Forget this kind so the next read starts over instead of failing forever.
        this.entries.delete(k);
        await inf.stop();
        throw err;
      }
    })();
    this.entries.set(k, created);
    e = created;
    return e;
  }

  private objKey(m: ResourceMapping, namespace: string | undefined, name: string): string {
    return `${gvrKey(m)}/${makeKey(m.namespaced ? namespace : undefined, name)}`;
  }

  async get(m: ResourceMapping, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    const e = this.entry(m);
    await e.ready;
    const ref = { group: m.group, version: m.version, resource: m.resource, namespaced: m.namespaced, kind: m.kind };
    if (!e.informer) {
      try {
        return await this.o.client.get(ref, name, m.namespaced && namespace ? { namespace } : {});
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    }
    const cached = e.informer.get(makeKey(m.namespaced ? namespace : undefined, name));
    const key = this.objKey(m, namespace, name);
    const mine = this.written.get(key);
    if (!mine) return cached;
    const pick = newerOf(mine, cached);
    if (pick !== mine) this.written.delete(key);
    return pick;
  }

  async apply(m: ResourceMapping, object: KubeObject, opts: ApplyOptions): Promise<ApplyResponse> {
    const ref = { group: m.group, version: m.version, resource: m.resource, namespaced: m.namespaced, kind: m.kind };
    const out = await this.o.client.apply(ref, object, { fieldManager: opts.fieldManager, force: opts.force, fieldValidation: "Strict" });
    this.written.set(this.objKey(m, out.metadata?.namespace, out.metadata?.name ?? ""), out);
    const managers = (out.metadata?.managedFields ?? []) as { manager?: string; operation?: string }[];
    const created = managers.length === 1 && managers[0]?.manager === opts.fieldManager && out.metadata?.generation !== undefined ? out.metadata.generation === 1 : managers.length === 1 && managers[0]?.manager === opts.fieldManager;
    return { object: out, created };
  }

  async delete(m: ResourceMapping, namespace: string | undefined, name: string, uid: string | undefined): Promise<DeleteOutcome> {
    const ref = { group: m.group, version: m.version, resource: m.resource, namespaced: m.namespaced, kind: m.kind };
    this.written.delete(this.objKey(m, namespace, name));
    try {
      const res = await this.o.client.delete(ref, name, {
        ...(m.namespaced && namespace ? { namespace } : {}),
        ...(uid ? { preconditions: { uid } } : {}),
        propagationPolicy: "Background",
      });
      // The server answers with the object while finalizers hold it, with a Status once it is gone.
      return res.kind !== "Status" && (res as KubeObject).metadata?.deletionTimestamp ? "terminating" : "deleted";
    } catch (err) {
      if (isNotFound(err)) return "absent";
      throw err;
    }
  }

  async stop(): Promise<void> {
    await Promise.all([...this.entries.values()].flatMap((e) => (e.informer ? [e.informer.stop()] : [])));
  }
}
