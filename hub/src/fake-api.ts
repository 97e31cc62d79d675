/**
 * An in-memory API server for the reconcilers' unit tests: implements
 * {@link Api} and a {@link Cache} per resource over one store, with the
 * semantics the reconcilers rely on (resourceVersion conflicts, finalizers
 * holding deletion, uid preconditions, generation bumps on spec changes,
 * AlreadyExists). Not a general fake: no watches, selectors are `key=value`
 * or `key` only.
 */
import type { KubeObject } from "@work-api/api";
import { KubeApiError } from "@work-api/runtime";
import type { Api, Cache, DeleteOptions, EventSink, EventType, Obj, Resource, TokenRequestResult, TokenRequestSpec } from "./ports.js";

const keyOf = (r: Resource, ns: string | undefined, name: string): string => `${r.group}/${r.resource}/${r.namespaced ? (ns ?? "") : ""}/${name}`;

function apiError(code: number, reason: string, message: string): KubeApiError {
  return new KubeApiError({ statusCode: code, status: { kind: "Status", status: "Failure", code, reason, message } });
}

export interface RecordedEvent {
  name: string | undefined;
  type: EventType;
  reason: string;
  message: string;
}

export class FakeApi implements Api, EventSink {
  private readonly store = new Map<string, KubeObject>();
  private rv = 1;
  private uid = 1;
  /** Every write: "verb resource ns/name". */
  readonly writes: string[] = [];
  readonly events: RecordedEvent[] = [];
  readonly tokens: { namespace: string; serviceAccount: string; spec: TokenRequestSpec }[] = [];
  now = (): number => Date.parse("2026-01-01T00:00:00Z");

  /** A cache view of one resource (always in sync: the store is the cache). */
  cache<T extends Obj>(r: Resource): Cache<T> {
    return {
      get: (ns, name) => this.read<T>(r, ns, name),
      list: (ns) => [...this.store.entries()].filter(([k, o]) => k.startsWith(`${r.group}/${r.resource}/`) && (ns === undefined || o.metadata?.namespace === ns)).map(([, o]) => structuredClone(o) as unknown as T),
    };
  }

  /** Puts an object in the store as-is (test setup; no write recorded). */
  seed<T extends Obj>(r: Resource, obj: T): T {
    const o = structuredClone(obj) as unknown as KubeObject;
    const m = { ...o.metadata };
    m.uid ??= `uid-${this.uid++}`;
    m.resourceVersion ??= String(this.rv++);
    m.generation ??= 1;
    m.creationTimestamp ??= new Date(this.now()).toISOString();
    o.metadata = m;
    this.store.set(keyOf(r, o.metadata.namespace, o.metadata.name!), o);
    return structuredClone(o) as unknown as T;
  }

  read<T extends Obj>(r: Resource, ns: string | undefined, name: string): T | undefined {
    const o = this.store.get(keyOf(r, ns, name));
    return o ? (structuredClone(o) as unknown as T) : undefined;
  }

  async get<T extends Obj>(r: Resource, ns: string | undefined, name: string): Promise<T | undefined> {
    return this.read<T>(r, ns, name);
  }

  async list<T extends Obj>(r: Resource, ns: string | undefined, labelSelector?: string): Promise<T[]> {
    const items = this.cache<T>(r).list(ns);
    if (!labelSelector) return items;
    return items.filter((o) =>
      labelSelector.split(",").every((req) => {
        const [k, v] = req.split("=") as [string, string | undefined];
        const have = o.metadata?.labels?.[k];
        return v === undefined ? have !== undefined : have === v;
      }),
    );
  }

  async create<T extends Obj>(r: Resource, obj: T): Promise<T> {
    const name = obj.metadata?.name ?? "";
    const k = keyOf(r, obj.metadata?.namespace, name);
    if (this.store.has(k)) throw apiError(409, "AlreadyExists", `${r.resource} "${name}" already exists`);
    if (r.namespaced && r.resource !== "namespaces") {
      const ns = this.read({ group: "", version: "v1", resource: "namespaces", kind: "Namespace", namespaced: false }, undefined, obj.metadata?.namespace ?? "");
      if (ns?.metadata?.deletionTimestamp) throw apiError(403, "Forbidden", `namespace ${obj.metadata?.namespace} is being terminated`);
    }
    this.writes.push(`create ${r.resource} ${obj.metadata?.namespace ?? ""}/${name}`);
    return this.seed(r, { ...obj, metadata: { ...obj.metadata, uid: undefined, resourceVersion: undefined } });
  }

  private replace<T extends Obj>(r: Resource, given: T, status: boolean): T {
    const obj = given as unknown as KubeObject;
    const name = obj.metadata?.name ?? "";
    const k = keyOf(r, obj.metadata?.namespace, name);
    const live = this.store.get(k);
    if (!live) throw apiError(404, "NotFound", `${r.resource} "${name}" not found`);
    if (obj.metadata?.resourceVersion && obj.metadata.resourceVersion !== live.metadata?.resourceVersion) {
      throw apiError(409, "Conflict", `the object has been modified; please apply your changes to the latest version`);
    }
    this.writes.push(`${status ? "updateStatus" : "update"} ${r.resource} ${obj.metadata?.namespace ?? ""}/${name}`);
    let next: KubeObject;
    if (status) next = { ...live, status: structuredClone(obj.status) };
    else {
      const specChanged = JSON.stringify(obj.spec) !== JSON.stringify(live.spec);
      next = {
        ...structuredClone(obj),
        status: live.status,
        metadata: {
          ...structuredClone(obj.metadata),
          uid: live.metadata?.uid,
          creationTimestamp: live.metadata?.creationTimestamp,
          deletionTimestamp: live.metadata?.deletionTimestamp,
          generation: (live.metadata?.generation ?? 1) + (specChanged ? 1 : 0),
        },
      };
    }
    next.metadata!.resourceVersion = String(this.rv++);
    if (next.metadata?.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0) {
      this.store.delete(k);
      return structuredClone(next) as unknown as T;
    }
    this.store.set(k, next);
    return structuredClone(next) as unknown as T;
  }

  async update<T extends Obj>(r: Resource, obj: T): Promise<T> {
    return this.replace(r, obj, false);
  }

  async updateStatus<T extends Obj>(r: Resource, obj: T): Promise<T> {
    return this.replace(r, obj, true);
  }

  async delete(r: Resource, ns: string | undefined, name: string, opts: DeleteOptions = {}): Promise<void> {
    const k = keyOf(r, ns, name);
    const live = this.store.get(k);
    if (!live) return;
    if (opts.uid && live.metadata?.uid !== opts.uid) return;
    this.writes.push(`delete ${r.resource} ${ns ?? ""}/${name}`);
    if ((live.metadata?.finalizers ?? []).length > 0 || r.resource === "namespaces") {
      live.metadata = { ...live.metadata, deletionTimestamp: live.metadata?.deletionTimestamp ?? new Date(this.now()).toISOString(), resourceVersion: String(this.rv++) };
      return;
    }
    this.store.delete(k);
  }

  /** Finishes a namespace's deletion as the namespace controller would: its objects go, then it. */
  finishNamespace(name: string): void {
    for (const [k, o] of [...this.store.entries()]) if (o.metadata?.namespace === name) this.store.delete(k);
    this.store.delete(keyOf({ group: "", version: "v1", resource: "namespaces", kind: "Namespace", namespaced: false }, undefined, name));
  }

  async createToken(namespace: string, serviceAccount: string, spec: TokenRequestSpec): Promise<TokenRequestResult> {
    this.tokens.push({ namespace, serviceAccount, spec });
    return { token: `token-${this.tokens.length}`, expirationTimestamp: new Date(this.now() + spec.expirationSeconds * 1000).toISOString().replace(/\.\d+Z$/, "Z") };
  }

  event(regarding: Obj, type: EventType, reason: string, message: string): void {
    this.events.push({ name: regarding.metadata?.name, type, reason, message });
  }
}
