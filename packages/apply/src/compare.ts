/**
 * Drift check without a request: does the live object already hold every
 * value the desired manifest sets? Values the server adds (defaults, status,
 * metadata it owns) are ignored; lists must have the same length and match
 * element by element. When this says "in sync", no apply is sent.
 */

export function isSubset(desired: unknown, live: unknown): boolean {
  if (desired === null || desired === undefined) return live === null || live === undefined;
  if (Array.isArray(desired)) {
    if (!Array.isArray(live) || live.length !== desired.length) return false;
    return desired.every((d, i) => isSubset(d, live[i]));
  }
  if (typeof desired === "object") {
    if (live === null || typeof live !== "object" || Array.isArray(live)) return false;
    const l = live as Record<string, unknown>;
    return Object.entries(desired as Record<string, unknown>).every(([k, v]) => isSubset(v, l[k]));
  }
  return desired === live;
}

/** Fields of a manifest that the server owns or that never round-trip. */
const IGNORED_METADATA = new Set(["resourceVersion", "uid", "generation", "creationTimestamp", "managedFields", "selfLink"]);

/** The parts of a desired object that drift detection compares (no status, no server-owned metadata). */
export function comparable(desired: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(desired)) {
    if (k === "status") continue;
    if (k === "metadata" && v && typeof v === "object") {
      out.metadata = Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([mk]) => !IGNORED_METADATA.has(mk)));
      continue;
    }
    out[k] = v;
  }
  return out;
}

/** Owner references are compared by uid only, in any order. */
export function inSync(desired: Record<string, unknown>, live: Record<string, unknown>): boolean {
  const d = comparable(desired);
  const dm = (d.metadata ?? {}) as Record<string, unknown>;
  const lm = (live.metadata ?? {}) as Record<string, unknown>;
  const { ownerReferences: dOwners, ...dMeta } = dm;
  if (!isSubset({ ...d, metadata: dMeta }, live)) return false;
  const liveOwners = Array.isArray(lm.ownerReferences) ? (lm.ownerReferences as { uid?: string }[]) : [];
  const want = Array.isArray(dOwners) ? (dOwners as { uid?: string }[]) : [];
  return want.every((o) => liveOwners.some((l) => l.uid === o.uid));
}
