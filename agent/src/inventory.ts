/**
 * The AppliedWork inventory: which objects the agent applied for one Work,
 * and which of the previously applied ones may be pruned now.
 */
import type { AppliedResourceMeta } from "@work-api/api";
import type { AppliedRef, ManifestResult } from "@work-api/apply";

export function refFromResult(r: ManifestResult): AppliedRef | undefined {
  const id = r.identifier;
  if (!r.live || !id.kind || !id.name || !id.resource) return undefined;
  return {
    ordinal: r.ordinal,
    group: id.group ?? "",
    version: id.version ?? "",
    kind: id.kind,
    resource: id.resource,
    ...(id.namespace ? { namespace: id.namespace } : {}),
    name: id.name,
    ...(r.live.metadata?.uid ? { uid: r.live.metadata.uid } : {}),
  };
}

export function refFromMeta(m: AppliedResourceMeta): AppliedRef {
  return {
    ordinal: m.ordinal,
    group: m.group ?? "",
    version: m.version ?? "",
    kind: m.kind ?? "",
    resource: m.resource ?? "",
    ...(m.namespace ? { namespace: m.namespace } : {}),
    name: m.name ?? "",
    ...(m.uid ? { uid: m.uid } : {}),
  };
}

export function metaFromRef(r: AppliedRef): AppliedResourceMeta {
  return { ordinal: r.ordinal, group: r.group, version: r.version, kind: r.kind, resource: r.resource, namespace: r.namespace ?? "", name: r.name, uid: r.uid ?? "" };
}

const objKey = (r: { group?: string; kind?: string; namespace?: string; name?: string }): string => `${r.group ?? ""}/${r.kind ?? ""}/${r.namespace ?? ""}/${r.name ?? ""}`;

/**
 * Splits the previous inventory. An entry is kept (not pruned) when a
 * manifest applied it now, or when a manifest that failed this time still
 * names it, or failed without an identity at the entry's ordinal: a bad
 * manifest never deletes what was applied before.
 */
export function planInventory(previous: readonly AppliedRef[], results: readonly ManifestResult[]): { applied: AppliedRef[]; kept: AppliedRef[]; prune: AppliedRef[] } {
  const applied = results.map(refFromResult).filter((r): r is AppliedRef => r !== undefined);
  const appliedKeys = new Set(applied.map(objKey));
  const failed = results.filter((r) => r.action === "failed");
  const failedKeys = new Set(failed.filter((r) => r.identifier.kind && r.identifier.name).map((r) => objKey(r.identifier)));
  const failedOrdinals = new Set(failed.filter((r) => !r.identifier.kind || !r.identifier.name).map((r) => r.ordinal));
  const kept: AppliedRef[] = [];
  const prune: AppliedRef[] = [];
  for (const p of previous) {
    const k = objKey(p);
    if (appliedKeys.has(k)) continue;
    if (failedKeys.has(k) || failedOrdinals.has(p.ordinal)) kept.push(p);
    else prune.push(p);
  }
  return { applied, kept, prune };
}

/** Inventory lists compare equal regardless of order. */
export function sameInventory(a: readonly AppliedResourceMeta[] | undefined, b: readonly AppliedResourceMeta[]): boolean {
  const norm = (l: readonly AppliedResourceMeta[]): string[] => l.map((m) => JSON.stringify(metaFromRef(refFromMeta(m)))).sort();
  const x = norm(a ?? []);
  const y = norm(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}
