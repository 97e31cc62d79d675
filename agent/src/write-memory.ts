/**
 * Copies of objects this agent just wrote, kept until its informer catches
 * up: a reconcile right after a write reads the newer copy instead of acting
 * on the cache's older one (which would only earn a 409 and a retry). A
 * remembered copy is dropped as soon as the informer has passed its
 * resourceVersion (an event, a list or a bookmark at or beyond it), so an
 * object deleted or changed right after the write never reads as the
 * remembered copy for longer than the informer lags.
 */
import { newerOf, rvOf } from "./versions.js";

interface Versioned {
  metadata?: { resourceVersion?: string };
}

export class WriteMemory<T extends Versioned> {
  private readonly written = new Map<string, T>();

  /** `seen` returns the informer's last synced resourceVersion. */
  constructor(private readonly seen: () => string) {}

  remember(key: string, obj: T): void {
    this.written.set(key, obj);
  }

  forget(key: string): void {
    this.written.delete(key);
  }

  /** The copy to read for `key`, given the informer's `cached` copy. */
  pick(key: string, cached: T | undefined): T | undefined {
    const mine = this.written.get(key);
    if (!mine) return cached;
    const seen = rvOf(this.seen());
    const written = rvOf(mine.metadata?.resourceVersion);
    if (seen !== undefined && written !== undefined && seen >= written) {
      this.written.delete(key);
      return cached;
    }
    const pick = newerOf(mine, cached);
    if (pick !== mine) this.written.delete(key);
    return pick;
  }

  get size(): number {
    return this.written.size;
  }
}
