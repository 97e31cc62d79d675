/**
 * Memory of the last apply per object: the hash of what was sent and the
 * resourceVersion the server answered. When the API server normalises a value
 * (a quantity, a defaulted list), the live object never looks like the
 * manifest; this memory says "we already applied exactly this, and nobody
 * changed it since", so no write is sent again.
 */
import { createHash } from "node:crypto";
import type { KubeObject } from "@work-api/api";
import type { ResourceMapping } from "./types.js";

interface Entry {
  hash: string;
  uid: string | undefined;
  resourceVersion: string | undefined;
}

export class LastApplied {
  private readonly entries = new Map<string, Entry>();

  /** Upper bound on remembered objects; the oldest entry is dropped past it. Default 200 000. */
  constructor(private readonly maxEntries = 200_000) {}

  /** One entry per object and field manager: several Works may apply one object. */
  private static key(m: ResourceMapping, namespace: string | undefined, name: string, fieldManager: string): string {
    return `${m.group}/${m.resource}/${namespace ?? ""}/${name}/${fieldManager}`;
  }

  private static hash(desired: KubeObject, fieldManager: string): string {
    return createHash("sha256").update(fieldManager).update("\0").update(stableStringify(desired)).digest("hex");
  }

  record(m: ResourceMapping, live: KubeObject, desired: KubeObject, fieldManager: string): void {
    const key = LastApplied.key(m, live.metadata?.namespace, live.metadata?.name ?? "", fieldManager);
    this.entries.delete(key);
    this.entries.set(key, { hash: LastApplied.hash(desired, fieldManager), uid: live.metadata?.uid, resourceVersion: live.metadata?.resourceVersion });
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  /** True when `desired` was applied to exactly this version of the live object. */
  matches(m: ResourceMapping, live: KubeObject, desired: KubeObject, fieldManager: string): boolean {
    const e = this.entries.get(LastApplied.key(m, live.metadata?.namespace, live.metadata?.name ?? "", fieldManager));
    return (
      e !== undefined &&
      e.uid === live.metadata?.uid &&
      e.resourceVersion === live.metadata?.resourceVersion &&
      e.hash === LastApplied.hash(desired, fieldManager)
    );
  }

  forget(m: ResourceMapping, namespace: string | undefined, name: string, fieldManager: string): void {
    this.entries.delete(LastApplied.key(m, namespace, name, fieldManager));
  }

  get size(): number {
    return this.entries.size;
  }
}

/** JSON with sorted keys, so equal objects hash equally. */
export function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(",")}]`;
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => `${JSON.stringify(k)}:${stableStringify(o[k])}`).join(",")}}`;
  }
  return JSON.stringify(v);
}
