/**
 * The agent's view of its spoke: one label-selected informer per resource
 * kind it has applied (so reading an applied object costs no request, and an
 * out-of-band change or delete wakes the Works that list it), per-object
 * watches of objects a Work names but the agent never labels (ReadOnly,
 * ReportDiff, ...: object-informers.ts), plus the writes of a bundle apply:
 * server-side apply with fieldValidation=Strict (created means the API
 * server answered 201), deletes with preconditions, and merge patches
 * (orphaning).
 */
import type { KubeObject } from "@work-api/api";
import { missingOf, type ApplyOptions, type ApplyResponse, type DeleteOutcome, type Mapper, type Preconditions, type ResourceMapping, type Target } from "@work-api/apply";
import { Informer, deadline, isForbidden, isNotFound, makeKey, type KubeClient, type Logger } from "@work-api/runtime";
import type { SpokeObjects } from "./ports.js";
import { WriteMemory } from "./write-memory.js";
import { ObjectInformers } from "./object-informers.js";

export interface SpokeCacheOptions {
  client: KubeClient;
  mapper: Mapper;
  /** Label selector of every object this agent applies. */
  labelSelector: string;
  log: Logger;
  /** Called with an object when it changes or disappears on the spoke. */
  onChange: (obj: KubeObject, m: ResourceMapping) => void;
  /** How long a reader waits for a new informer's first list. Default 30 s. */
  syncTimeoutMs?: number;
  /** Watch idle timeout of the informers (see InformerOptions.watchIdleTimeoutMs). */
  watchIdleTimeoutMs?: number;
}

interface Entry {
  /** undefined when the agent may not list/watch this resource: it falls back to GETs. */
  informer: Informer | undefined;
  /** Objects this agent wrote that the informer may not have seen yet. */
  written: WriteMemory<KubeObject>;
  ready: Promise<void>;
}

const gvrKey = (m: ResourceMapping): string => `${m.group}/${m.version}/${m.resource}`;
const refOf = (m: ResourceMapping): { group: string; version: string; resource: string; namespaced: boolean; kind: string } => ({
  group: m.group,
  version: m.version,
  resource: m.resource,
  namespaced: m.namespaced,
  kind: m.kind,
});

export class SpokeCache implements SpokeObjects {
  readonly mapper: Mapper;
  private readonly entries = new Map<string, Entry>();
  private readonly impersonated = new Map<string, KubeClient>();
  private readonly objects: ObjectInformers;

  constructor(private readonly o: SpokeCacheOptions) {
    this.mapper = o.mapper;
    this.objects = new ObjectInformers({ client: o.client, log: o.log, onChange: o.onChange, ...(o.watchIdleTimeoutMs !== undefined ? { watchIdleTimeoutMs: o.watchIdleTimeoutMs } : {}) });
  }

  /** The informers of the kinds watched and of the objects watched one by one (for their counters). */
  informers(): Informer[] {
    return [...[...this.entries.values()].flatMap((e) => (e.informer ? [e.informer] : [])), ...this.objects.informers()];
  }

  /** Watches one object the agent does not label (see object-informers.ts) until the returned function is called. */
  watchObject(m: ResourceMapping, namespace: string | undefined, name: string): () => void {
    return this.objects.watch(m, namespace, name);
  }

  /** Number of objects watched one by one, for tests. */
  get watchedObjects(): number {
    return this.objects.size;
  }

  /**
   * The object as the API server has it, labelled by this agent or not: the label-selected cache,
   * else the object's own watch once it has listed, else a GET.
   */
  async observe(m: ResourceMapping, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    const cached = await this.get(m, namespace, name);
    if (cached) return cached;
    const w = this.objects.lookup(m, namespace, name);
    if (w.known) return w.object;
    return this.read(m, namespace, name);
  }

  /** Number of kinds watched, for metrics and tests. */
  get watchedKinds(): number {
    return [...this.entries.values()].filter((e) => e.informer !== undefined).length;
  }

  private entry(m: ResourceMapping): Entry {
    const k = gvrKey(m);
    const e = this.entries.get(k);
    if (e) return e;
    const created: Entry = { informer: undefined, written: new WriteMemory<KubeObject>(() => created.informer?.lastSyncResourceVersion() ?? ""), ready: Promise.resolve() };
    created.ready = (async (): Promise<void> => {
      try {
        // Probe: an informer on a resource the agent may not list would retry forever.
        await this.o.client.list(refOf(m), { labelSelector: this.o.labelSelector, limit: 1 });
      } catch (err) {
        if (isForbidden(err)) {
          this.o.log.info({ resource: k, err: (err as Error).message }, "cannot watch resource; reading objects one by one");
          return;
        }
        // Anything else (a kind not served yet, a spoke that does not answer): ask again next time.
        this.entries.delete(k);
        throw err;
      }
      const inf = new Informer(this.o.client, refOf(m), {
        labelSelector: this.o.labelSelector,
        logger: this.o.log,
        name: `spoke-${m.resource}`,
        ...(this.o.watchIdleTimeoutMs !== undefined ? { watchIdleTimeoutMs: this.o.watchIdleTimeoutMs } : {}),
      });
      inf.addEventHandler({
        onAdd: (obj) => this.o.onChange(obj, m),
        onUpdate: (oldObj, obj) => {
          if (oldObj.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.o.onChange(obj, m);
        },
        onDelete: (obj) => {
          created.written.forget(makeKey(m.namespaced ? obj.metadata?.namespace : undefined, obj.metadata?.name ?? ""));
          this.o.onChange(obj, m);
        },
      });
      created.informer = inf;
      inf.start();
      const timeout = deadline(this.o.syncTimeoutMs ?? 30_000);
      try {
        await inf.waitForSync(timeout.signal).finally(timeout.done);
      } catch (err) {
        // Forget this kind so the next read starts over instead of failing forever.
        this.entries.delete(k);
        await inf.stop();
        // A cache that cannot sync in time is a spoke that does not answer (transient: isNoAnswer).
        throw Object.assign(new Error(`spoke cache of ${k} did not sync within ${this.o.syncTimeoutMs ?? 30_000} ms`, { cause: err }), { code: "ETIMEDOUT" });
      }
    })();
    this.entries.set(k, created);
    return created;
  }

  async get(m: ResourceMapping, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    const e = this.entry(m);
    await e.ready;
    if (!e.informer) return this.read(m, namespace, name);
    const key = makeKey(m.namespaced ? namespace : undefined, name);
    return e.written.pick(key, e.informer.get(key));
  }

  /** Uncached GET: undefined when the object is missing; a 404 for the resource itself (kind not served) is thrown. */
  async read(m: ResourceMapping, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    try {
      return await this.o.client.get(refOf(m), name, m.namespaced && namespace ? { namespace } : {});
    } catch (err) {
      if (isNotFound(err) && missingOf(err) !== "kind") return undefined;
      throw err;
    }
  }

  /** Writes as `user` (impersonated; one client per user, sharing the connections); reads from the caches. */
  as(user: string | undefined): Target {
    if (user === undefined) return this;
    let client = this.impersonated.get(user);
    if (!client) this.impersonated.set(user, (client = this.o.client.impersonating(user)));
    const writer = client;
    return {
      get: (m, ns, name) => this.get(m, ns, name),
      read: (m, ns, name) => this.read(m, ns, name),
      observe: (m, ns, name) => this.observe(m, ns, name),
      apply: (m, obj, opts) => this.apply(m, obj, opts, writer),
      delete: (m, ns, name, pre) => this.delete(m, ns, name, pre, writer),
      mergePatch: (m, ns, name, patch) => this.mergePatch(m, ns, name, patch, writer),
    };
  }

  /** JSON merge patch (orphaning, marks); the answer is remembered like an apply's. */
  async mergePatch(m: ResourceMapping, namespace: string | undefined, name: string, patch: object, client: KubeClient = this.o.client): Promise<KubeObject> {
    const out = await client.patch<KubeObject>(refOf(m), name, patch, { ...(m.namespaced && namespace ? { namespace } : {}), type: "merge" });
    this.entries.get(gvrKey(m))?.written.remember(makeKey(m.namespaced ? out.metadata?.namespace : undefined, out.metadata?.name ?? ""), out);
    return out;
  }

  async apply(m: ResourceMapping, object: KubeObject, opts: ApplyOptions, client: KubeClient = this.o.client): Promise<ApplyResponse> {
    let code = 0;
    const out = await client.apply(refOf(m), object, { fieldManager: opts.fieldManager, force: opts.force, fieldValidation: "Strict", onStatus: (c) => (code = c) });
    const e = this.entries.get(gvrKey(m));
    e?.written.remember(makeKey(m.namespaced ? out.metadata?.namespace : undefined, out.metadata?.name ?? ""), out);
    return { object: out, created: code === 201 };
  }

  async delete(m: ResourceMapping, namespace: string | undefined, name: string, preconditions: Preconditions, client: KubeClient = this.o.client): Promise<DeleteOutcome> {
    this.entries.get(gvrKey(m))?.written.forget(makeKey(m.namespaced ? namespace : undefined, name));
    try {
      const res = await client.delete(refOf(m), name, {
        ...(m.namespaced && namespace ? { namespace } : {}),
        ...(preconditions.uid || preconditions.resourceVersion ? { preconditions } : {}),
        propagationPolicy: "Background",
      });
      // The server answers with the object while finalizers hold it, with a Status once it is gone.
      return res.kind !== "Status" && (res as KubeObject).metadata?.deletionTimestamp ? "terminating" : "deleted";
    } catch (err) {
      if (isNotFound(err) && missingOf(err) !== "kind") return "absent";
      throw err;
    }
  }

  async stop(): Promise<void> {
    await Promise.all([...[...this.entries.values()].flatMap((e) => (e.informer ? [e.informer.stop()] : [])), this.objects.stop()]);
  }
}
