/**
 * Which objects of a Work are only looked at (updateStrategy ReadOnly or
 * ReportDiff), recorded on its AppliedWork in {@link READ_ONLY_ANNOTATION}
 * (a JSON list of group/kind/namespace/name), so that what the spoke knows
 * is enough to never write or delete them:
 *
 * - this Work's prune (a manifest removed, the Work deleted or evicted, also
 *   after the Work is gone from the hub) leaves them alone, whoever made
 *   them (without the record a hand-off from another Work would make this
 *   Work the one to delete the object);
 * - another Work's prune does not count this Work's inventory entry as
 *   wanting the object: a Work that only looks at an object keeps no one
 *   from deleting it (the object is then reported absent).
 *
 * Written twice when it grows: the entries of manifests about to be listed
 * first (lookOnlyIntended, before the inventory lists them, so no other
 * Work's prune counts the new listing as wanting the object), and the whole
 * record after prune, so prune sees the entries of manifests just removed.
 */
import { UpdateStrategyType, type AppliedWork } from "@work-api/api";
import type { ManifestConfig } from "@work-api/api";
import { manifestConfigFor, parseManifest, type AppliedRef, type Mapper, type ManifestResult } from "@work-api/apply";
import { inventoryKey } from "./applied-works.js";
import { READ_ONLY_ANNOTATION } from "./labels.js";

export { READ_ONLY_ANNOTATION };

const LOOK_ONLY = new Set<string>([UpdateStrategyType.ReadOnly, UpdateStrategyType.ReportDiff]);

/** The read-only entries an AppliedWork records (an unreadable record counts as none). */
export function readOnlyKeys(aw: Pick<AppliedWork, "metadata"> | undefined): Set<string> {
  const raw = aw?.metadata.annotations?.[READ_ONLY_ANNOTATION];
  if (raw === undefined) return new Set();
  try {
    const v: unknown = JSON.parse(raw);
    return new Set(Array.isArray(v) ? v.filter((k): k is string => typeof k === "string") : []);
  } catch {
    return new Set();
  }
}

export function refKey(r: Pick<AppliedRef, "group" | "kind" | "namespace" | "name">): string {
  return inventoryKey({ group: r.group, kind: r.kind, namespace: r.namespace ?? "", name: r.name });
}

/**
 * The read-only entries after this apply: the results of ReadOnly and ReportDiff manifests, and the
 * earlier entries of manifests that failed before their strategy was known (a kind not served).
 */
export function nextReadOnly(results: readonly ManifestResult[], before: ReadonlySet<string>): string[] {
  const out = new Set<string>();
  for (const r of results) {
    const k = inventoryKey({ group: r.identifier.group ?? "", kind: r.identifier.kind ?? "", namespace: r.identifier.namespace ?? "", name: r.identifier.name ?? "" });
    const type = r.config?.updateStrategy?.type;
    if (type !== undefined && LOOK_ONLY.has(type)) out.add(k);
    else if (r.action === "failed" && r.config === undefined && before.has(k)) out.add(k);
  }
  return [...out].sort();
}

/** The annotation value for `keys` (null removes it). */
export function encodeReadOnly(keys: readonly string[]): string | null {
  return keys.length > 0 ? JSON.stringify(keys) : null;
}

/**
 * The keys of the manifests whose manifestConfigs make them look-only (ReadOnly, ReportDiff), as the
 * bundle will match them (on the resource discovery resolves; a kind not served is skipped: it is not
 * applied either).
 */
export async function lookOnlyIntended(manifests: readonly unknown[], configs: readonly ManifestConfig[] | undefined, mapper: Mapper): Promise<string[]> {
  if (!configs?.some((c) => c.updateStrategy?.type !== undefined && LOOK_ONLY.has(c.updateStrategy.type))) return [];
  const out: string[] = [];
  for (const [i, raw] of manifests.entries()) {
    const p = parseManifest(raw, i);
    if (p instanceof Error) continue;
    let resource: string;
    try {
      resource = (await mapper.resolve(p.apiVersion, p.kind)).resource;
    } catch {
      continue;
    }
    const type = manifestConfigFor(configs, { group: p.group, resource, namespace: p.namespace ?? "", name: p.name })?.updateStrategy?.type;
    if (type !== undefined && LOOK_ONLY.has(type)) out.push(inventoryKey({ group: p.group, kind: p.kind, namespace: p.namespace ?? "", name: p.name }));
  }
  return out;
}
