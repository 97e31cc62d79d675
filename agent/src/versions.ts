/**
 * resourceVersions are opaque to clients, but the API server's come from
 * etcd revisions, which are integers; comparing them tells a cached copy
 * from the newer one this process just wrote.
 */
interface Versioned {
  metadata?: { resourceVersion?: string };
}

/** A resourceVersion as a number, when it is one. */
export function rvOf(v: string | undefined): bigint | undefined {
  return v !== undefined && /^\d+$/.test(v) ? BigInt(v) : undefined;
}

function rv(o: Versioned | undefined): bigint | undefined {
  return rvOf(o?.metadata?.resourceVersion);
}

/** The newer of two copies of one object: `mine` only when it is known to be newer than `cached`. */
export function newerOf<T extends Versioned>(mine: T, cached: T | undefined): T | undefined {
  if (!cached) return mine;
  const a = rv(mine);
  const b = rv(cached);
  return a !== undefined && b !== undefined && a > b ? mine : cached;
}
