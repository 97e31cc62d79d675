/**
 * The AppliedWork inventory: which objects the agent applied (or is about to
 * apply) for one Work, and which of the previously listed ones may be
 * pruned now. Inventory first: before applying, the inventory becomes the
 * union of what it lists and what the Work names, so a crash at any point
 * leaves every object the agent may have created listed.
 */
import type { AppliedResourceMeta } from "@work-api/api";
import type { AppliedRef, ManifestResult, ParsedManifest } from "@work-api/apply";

/** The inventory entry of a successfully applied manifest (with the live uid). */
export function refFromResult(r: ManifestResult): AppliedRef | undefined {
  const id = r.identifier;
  if (r.action === "failed" || !r.live || !id.kind || !id.name || !id.resource) return undefined;
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

const objKey = (r: { group?: string | undefined; kind?: string | undefined; namespace?: string | undefined; name?: string | undefined }): string => `${r.group ?? ""}/${r.kind ?? ""}/${r.namespace ?? ""}/${r.name ?? ""}`;

/** A not-yet-applied entry for a manifest (no resource or uid until the apply). */
export function refFromIdentity(p: ParsedManifest): AppliedRef {
  return { ordinal: p.ordinal, group: p.group, version: p.version, kind: p.kind, resource: "", ...(p.namespace ? { namespace: p.namespace } : {}), name: p.name };
}

/** `previous` plus the entries of `intended` it does not list yet (by group, kind, namespace, name). */
export function withIntended(previous: readonly AppliedRef[], intended: readonly AppliedRef[]): AppliedRef[] {
  const have = new Set(previous.map(objKey));
  return [...previous, ...intended.filter((r) => !have.has(objKey(r)))];
}

/**
 * Splits the previous inventory. An entry is kept (not pruned) when a
 * manifest applied it now, or when a manifest that failed this time still
 * names it, or failed without an identity at the entry's ordinal (a bad
 * manifest never deletes what was applied before), or names an object it
 * only looks at and did not find (ReadOnly, ReportDiff: `absent`).
 */
export function planInventory(previous: readonly AppliedRef[], results: readonly ManifestResult[]): { applied: AppliedRef[]; kept: AppliedRef[]; prune: AppliedRef[] } {
  const applied = results.map(refFromResult).filter((r): r is AppliedRef => r !== undefined);
  const appliedKeys = new Set(applied.map(objKey));
  const failed = results.filter((r) => r.action === "failed");
  const failedKeys = new Set(failed.filter((r) => r.identifier.kind && r.identifier.name).map((r) => objKey(r.identifier)));
  const failedOrdinals = new Set(failed.filter((r) => !r.identifier.kind || !r.identifier.name).map((r) => r.ordinal));
  // Also by ordinal and name: a manifest refused for its scope (NamespaceNotAllowed) reports no namespace, its entry has one.
  const failedNamed = new Set(failed.map((r) => `${r.ordinal}/${r.identifier.group ?? ""}/${r.identifier.kind ?? ""}/${r.identifier.name ?? ""}`));
  // A ReadOnly or ReportDiff object not on the spoke: still named by the Work, so its entry stays listed.
  const absentKeys = new Set(results.filter((r) => r.absent && r.identifier.kind && r.identifier.name).map((r) => objKey(r.identifier)));
  const kept: AppliedRef[] = [];
  const prune: AppliedRef[] = [];
  for (const p of previous) {
    const k = objKey(p);
    if (appliedKeys.has(k)) continue;
    if (failedKeys.has(k) || absentKeys.has(k) || failedOrdinals.has(p.ordinal) || failedNamed.has(`${p.ordinal}/${p.group}/${p.kind}/${p.name}`)) kept.push(p);
    else prune.push(p);
  }
  return { applied, kept, prune };
}

/**
 * The results with re-created objects marked as drift ("deleted"): created by this apply, yet listed
 * in the inventory with a uid, so applied before and deleted out of band since.
 */
export function markRecreated(results: readonly ManifestResult[], listed: readonly AppliedRef[]): ManifestResult[] {
  const applied = new Set(listed.filter((r) => r.uid).map(objKey));
  return results.map((r) => (r.action === "created" && applied.has(objKey(r.identifier)) ? { ...r, drift: "deleted" as const } : r));
}

/** Inventory lists compare equal regardless of order. */
export function sameInventory(a: readonly AppliedResourceMeta[] | undefined, b: readonly AppliedResourceMeta[]): boolean {
  const norm = (l: readonly AppliedResourceMeta[]): string[] => l.map((m) => JSON.stringify(metaFromRef(refFromMeta(m)))).sort();
  const x = norm(a ?? []);
  const y = norm(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}
