/**
 * A bounded least-recently-used cache (a Map keeps insertion order: a hit
 * moves its key to the end, an insert past the bound drops the first key).
 * Compiled CEL expressions and parsed JSONPaths are kept in one each, keyed
 * by their text, so a Work's rules compile once and a stream of distinct
 * expressions cannot grow the agent's memory without bound.
 */
export class Lru<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`Lru bound must be a positive integer, got ${max}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cached value, or `make(key)` stored and returned. */
  getOrSet(key: K, make: (key: K) => V): V {
    if (this.entries.has(key)) {
      const v = this.entries.get(key) as V;
      this.entries.delete(key);
      this.entries.set(key, v);
      return v;
    }
    const v = make(key);
    this.entries.set(key, v);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as K);
    return v;
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }
}
