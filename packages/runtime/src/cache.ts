/**
 * The informer's object cache: objects by key ("namespace/name" or "name"),
 * a namespace index, optional custom indexes, and the diff used on relist.
 *
 * Cached objects are shared: treat them as read-only (clone before mutating).
 */
import type { KubeObject } from "@work-api/api";
import { objectKey, type ObjectLike } from "./paths.js";

/** Computes the index values of an object (e.g. a label value, an owner uid). */
export type IndexFunc<T> = (obj: T) => string[];

/** The outcome of {@link ObjectCache.replace}. */
export interface ReplaceDiff<T> {
  added: T[];
  /** Objects whose resourceVersion changed. */
  updated: { old: T; new: T }[];
  /** Cached objects absent from the new list (last known state). */
  deleted: T[];
}

/** Read access to a cache, as handed to controllers. */
export interface Lister<T extends ObjectLike> {
  /** By key: "namespace/name", or "name" for cluster-scoped objects. */
  get(key: string): T | undefined;
  list(): T[];
  listByNamespace(namespace: string): T[];
  byIndex(index: string, value: string): T[];
  keys(): string[];
  readonly size: number;
}

/** A keyed, indexed store. */
export class ObjectCache<T extends ObjectLike = KubeObject> implements Lister<T> {
  private readonly items = new Map<string, T>();
  private readonly indexers = new Map<string, IndexFunc<T>>();
  /** index name → value → keys */
  private readonly indices = new Map<string, Map<string, Set<string>>>();

  constructor() {
    this.addIndex("namespace", (o) => [o.metadata?.namespace ?? ""]);
  }

  /** Adds an index; existing objects are indexed at once. "namespace" is built in. */
  addIndex(name: string, fn: IndexFunc<T>): void {
    if (this.indexers.has(name)) throw new Error(`index ${name} exists`);
    this.indexers.set(name, fn);
    this.indices.set(name, new Map());
    for (const [k, o] of this.items) this.indexOne(name, fn, k, o);
  }

  get size(): number {
    return this.items.size;
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  list(): T[] {
    return [...this.items.values()];
  }

  listByNamespace(namespace: string): T[] {
    return this.byIndex("namespace", namespace);
  }

  byIndex(index: string, value: string): T[] {
    const idx = this.indices.get(index);
    if (idx === undefined) throw new Error(`no index ${index}`);
    return [...(idx.get(value) ?? [])].map((k) => this.items.get(k) as T);
  }

  /** Inserts or replaces; returns the previous object. */
  upsert(obj: T): T | undefined {
    const key = objectKey(obj);
    const old = this.items.get(key);
    if (old !== undefined) this.unindex(key, old);
    this.items.set(key, obj);
    for (const [name, fn] of this.indexers) this.indexOne(name, fn, key, obj);
    return old;
  }

  /** Removes by the object's key; returns what was cached. */
  remove(obj: T): T | undefined {
    const key = objectKey(obj);
    const old = this.items.get(key);
    if (old === undefined) return undefined;
    this.unindex(key, old);
    this.items.delete(key);
    return old;
  }

  /** Replaces the whole content with `objs` (a relist) and says what changed. */
  replace(objs: readonly T[]): ReplaceDiff<T> {
    const diff: ReplaceDiff<T> = { added: [], updated: [], deleted: [] };
    const seen = new Set<string>();
    for (const o of objs) {
      const key = objectKey(o);
      seen.add(key);
      const old = this.upsert(o);
      if (old === undefined) diff.added.push(o);
      else if (old.metadata?.resourceVersion !== o.metadata?.resourceVersion) diff.updated.push({ old, new: o });
    }
    for (const [key, o] of [...this.items]) {
      if (!seen.has(key)) {
        this.unindex(key, o);
        this.items.delete(key);
        diff.deleted.push(o);
      }
    }
    return diff;
  }

  private indexOne(name: string, fn: IndexFunc<T>, key: string, obj: T): void {
    const idx = this.indices.get(name) as Map<string, Set<string>>;
    for (const v of fn(obj)) {
      let set = idx.get(v);
      if (set === undefined) idx.set(v, (set = new Set()));
      set.add(key);
    }
  }

  private unindex(key: string, obj: T): void {
    for (const [name, fn] of this.indexers) {
      const idx = this.indices.get(name) as Map<string, Set<string>>;
      for (const v of fn(obj)) {
        const set = idx.get(v);
        set?.delete(key);
        if (set?.size === 0) idx.delete(v);
      }
    }
  }
}
