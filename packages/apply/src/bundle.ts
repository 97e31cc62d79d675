/**
 * Applies the manifests of one Work in dependency order with server-side
 * apply and returns a typed change set with one result per manifest ordinal.
 * A bad manifest fails on its own; the others still apply.
 *
 * What is sent: an apply whenever the live object is not in sync with the
 * desired one, which carries this Work's record annotation (a hash of what
 * it applies), so an edit that only removes fields is still sent. Applies go
 * without force first; a conflict with another Work's field manager leaves
 * the field with its holder (ApplyConflict); a conflict only with
 * out-of-band managers is forced when `force` is set (drift correction).
 */
import type { KubeObject, ManifestConfig, OwnerReference, ResourceIdentifier } from "@work-api/api";
import { manifestConfigFor } from "./manifest-config.js";
import { objectDifferences } from "./diff.js";
import { inSync } from "./compare.js";
import { buildDesired } from "./desired.js";
import { ManifestError, ManifestErrorReason, describeManifest, objectKey, parseManifest, type ParsedManifest } from "./manifest.js";
import { kindRank, sortForApply } from "./order.js";
import { ApplyFailureReason, failureFromError, httpStatus, missingOf } from "./failure.js";
import { parseConflicts, workOwnerOfManager, type FieldConflict } from "./ownership.js";
import type { ManifestResult, Mapper, ResourceMapping, Target } from "./types.js";
import { LastApplied } from "./last-applied.js";

export interface BundleOptions {
  mapper: Mapper;
  target: Target;
  /** SSA field manager (one per Work). */
  fieldManager: string;
  /** Take fields from out-of-band managers (drift correction). Fields another Work holds are never taken. */
  force: boolean;
  /** Owner reference put on every object (the Work's AppliedWork). */
  owner?: OwnerReference;
  /**
   * The owner reference of one object (resource as discovery resolves it) instead of `owner`;
   * undefined leaves it off (spec.deleteOption orphans the object: deleting the AppliedWork must
   * not take it). Default: `owner` on every object.
   */
  ownerFor?: (id: ResourceIdentifier) => OwnerReference | undefined | Promise<OwnerReference | undefined>;
  /** Labels put on every applied object. */
  labels?: Record<string, string>;
  /** Annotation recording the hash of what this Work applies (see {@link appliedAnnotation}). */
  recordAnnotation?: string;
  /** Remembers what was applied so a server-normalised value is not re-applied forever. */
  lastApplied?: LastApplied;
  /** Names the Work behind an AppliedWork owner, for conflict messages ("Work ns/name"). */
  describeOwner?: (owner: OwnerReference) => Promise<string | undefined>;
  /** Who writes (named when the spoke refuses a write, reason Forbidden). Default "the agent". */
  actor?: string;
  /** How long to wait for a CRD of the same bundle to be Established. Default 30 s. */
  crdEstablishTimeoutMs?: number;
  /** Poll interval while waiting for a CRD. Default 250 ms. */
  crdPollMs?: number;
  /** The Work's spec.manifestConfigs: each result carries the item that names its object. */
  manifestConfigs?: readonly ManifestConfig[];
  signal?: AbortSignal;
}

interface Planned extends ParsedManifest {
  label: string;
}

/** The identities of the manifests that can be parsed (first of duplicates only), before anything is resolved or sent. */
export function manifestIdentities(manifests: readonly unknown[]): ParsedManifest[] {
  const seen = new Set<string>();
  const out: ParsedManifest[] = [];
  manifests.forEach((raw, ordinal) => {
    const p = parseManifest(raw, ordinal);
    if (p instanceof ManifestError || seen.has(objectKey(p))) return;
    seen.add(objectKey(p));
    out.push(p);
  });
  return out;
}

/** Applies a bundle; never throws for a per-manifest problem. */
export async function applyBundle(manifests: readonly unknown[], opts: BundleOptions): Promise<ManifestResult[]> {
  const results = new Map<number, ManifestResult>();
  const planned: Planned[] = [];
  const seen = new Map<string, number>();
  manifests.forEach((raw, ordinal) => {
    const p = parseManifest(raw, ordinal);
    if (p instanceof ManifestError) {
      results.set(ordinal, failed(ordinal, {}, p.reason, p.message, p));
      return;
    }
    const label = describeManifest(ordinal, p.kind, p.namespace, p.name);
    const key = objectKey(p);
    const first = seen.get(key);
    if (first !== undefined) {
      const msg = `${label}: names the same object as manifest ${first}; only manifest ${first} is applied`;
      results.set(ordinal, failed(ordinal, identify(p), ManifestErrorReason.DuplicateManifest, msg));
      return;
    }
    seen.set(key, ordinal);
    planned.push({ ...p, label });
  });
  const crds = crdsInBundle(planned);
  // Apply rank by rank; manifests of one rank go out together.
  const sorted = sortForApply(planned);
  for (let i = 0; i < sorted.length; ) {
    const rank = kindRank(sorted[i]!.kind);
    const group: Planned[] = [];
    while (i < sorted.length && kindRank(sorted[i]!.kind) === rank) group.push(sorted[i++]!);
    const out = await Promise.all(group.map((p) => applyOne(p, opts, crds)));
    for (const r of out) results.set(r.ordinal, withConfig(r, opts.manifestConfigs));
    opts.signal?.throwIfAborted();
  }
  return manifests.map((_, i) => results.get(i)!);
}

/** Attaches the manifestConfigs item that names the result's object (matched on the resolved resource). */
function withConfig(r: ManifestResult, configs: readonly ManifestConfig[] | undefined): ManifestResult {
  const id = r.identifier;
  const config = manifestConfigFor(configs, { group: id.group ?? "", resource: id.resource ?? "", namespace: id.namespace ?? "", name: id.name ?? "" });
  return config ? { ...r, config } : r;
}

function identify(p: ParsedManifest, m?: ResourceMapping): ManifestResult["identifier"] {
  return {
    ordinal: p.ordinal,
    group: p.group,
    version: p.version,
    kind: p.kind,
    resource: m?.resource ?? "",
    namespace: m && !m.namespaced ? "" : (p.namespace ?? ""),
    name: p.name,
  };
}

function failed(ordinal: number, id: Partial<ManifestResult["identifier"]>, reason: string, message: string, error?: Error, live?: KubeObject): ManifestResult {
  return { ordinal, identifier: { ordinal, ...id }, action: "failed", reason, message, ...(error ? { error } : {}), ...(live ? { live } : {}) };
}

async function applyOne(p: Planned, opts: BundleOptions, crds: Map<string, string>): Promise<ManifestResult> {
  let mapping: ResourceMapping;
  try {
    mapping = await resolve(p, opts, crds);
  } catch (err) {
    const f = failureFromError(err, p.label, opts.actor);
    return failed(p.ordinal, identify(p), f.reason, f.message, f.error);
  }
  const id = identify(p, mapping);
  if (mapping.namespaced && !p.namespace) {
    return failed(p.ordinal, id, ManifestErrorReason.NamespaceRequired, `${p.label}: ${p.kind} is namespaced; set metadata.namespace`);
  }
  if (!mapping.namespaced && p.namespace) {
    return failed(p.ordinal, id, ManifestErrorReason.NamespaceNotAllowed, `${p.label}: ${p.kind} is cluster-scoped; remove metadata.namespace`);
  }
  const owner = opts.ownerFor ? await opts.ownerFor(id) : opts.owner;
  const desired = buildDesired(p.object, {
    ...(opts.labels ? { labels: opts.labels } : {}),
    ...(owner ? { owner } : {}),
    ...(opts.recordAnnotation ? { recordAnnotation: opts.recordAnnotation } : {}),
  });
  let live: KubeObject | undefined;
  try {
    live = await opts.target.get(mapping, p.namespace, p.name);
    if (live && (inSync(desired, live) || opts.lastApplied?.matches(mapping, live, desired, opts.fieldManager))) {
      return { ordinal: p.ordinal, identifier: id, action: "unchanged", message: `${p.label}: up to date`, live };
    }
    const res = await applyHoldingWorkFields(p, mapping, desired, live, opts);
    if ("conflict" in res) return res.conflict;
    opts.lastApplied?.record(mapping, res.object, desired, opts.fieldManager);
    const before = live?.metadata?.resourceVersion;
    const action = res.created ? "created" : before !== undefined && before === res.object.metadata?.resourceVersion ? "unchanged" : "configured";
    const drift = action === "configured" && live !== undefined && recordUnchanged(desired, live, opts.recordAnnotation);
    // What was reverted, and who had changed it: read from the live object as it was before the apply.
    const reverted = drift ? { drift: "modified" as const, differences: objectDifferences(desired, live, { self: opts.fieldManager }) } : {};
    return { ordinal: p.ordinal, identifier: id, action, message: `${p.label}: ${action}`, live: res.object, ...reverted, ...(res.forced ? { forced: true } : {}) };
  } catch (err) {
    if (httpStatus(err) === 404 && missingOf(err) === "kind") opts.mapper.invalidate();
    const f = failureFromError(err, p.label, opts.actor);
    return failed(p.ordinal, id, f.reason, f.message, f.error, live);
  }
}

/**
 * SSA without force; on a conflict, force only when every conflicting
 * manager is out of band (not another Work) and `force` is set.
 */
async function applyHoldingWorkFields(
  p: Planned,
  mapping: ResourceMapping,
  desired: KubeObject,
  live: KubeObject | undefined,
  opts: BundleOptions,
): Promise<{ object: KubeObject; created: boolean; forced?: boolean } | { conflict: ManifestResult }> {
  try {
    return await opts.target.apply(mapping, desired, { fieldManager: opts.fieldManager, force: false });
  } catch (err) {
    if (httpStatus(err) !== 409) throw err;
    const conflicts = parseConflicts(err);
    // Decide on a fresh read: a cached copy may not show the ownerReference of a Work that just took the field.
    const current = (await opts.target.read(mapping, p.namespace, p.name)) ?? live;
    const ownUid = opts.owner?.uid;
    // A manager of this same Work under an older --field-manager base is this Work's own.
    const byWorks = conflicts.filter((c) => {
      const o = workOwnerOfManager(c.manager, current);
      return o !== undefined && o.uid !== ownUid;
    });
    if (byWorks.length === 0 && opts.force && conflicts.length > 0) {
      // Forced under the resourceVersion just read: a Work that takes a field after that read is not overridden
      // (409, retried). The holders are judged from the first 409's conflicts and this read's ownerReferences; a
      // Work that took the field between the two is the one window left open.
      const pinned = { ...desired, metadata: { ...desired.metadata, resourceVersion: current?.metadata?.resourceVersion } };
      return { ...(await opts.target.apply(mapping, pinned, { fieldManager: opts.fieldManager, force: true })), forced: true };
    }
    const held = byWorks.length > 0 ? byWorks : conflicts;
    const who = await describeHolders(held, current, opts);
    const msg = `${p.label}: ${who}; nothing is written until the conflict ends`;
    const error = err instanceof Error ? err : new Error(String(err));
    return { conflict: failed(p.ordinal, identify(p, mapping), ApplyFailureReason.ApplyConflict, msg, error, current) };
  }
}

/**
 * True when the live object carries this Work's record annotation with the value `desired` carries:
 * the Work applies what it applied last time, so a difference was made by someone else (drift).
 */
function recordUnchanged(desired: KubeObject, live: KubeObject, annotation: string | undefined): boolean {
  if (annotation === undefined) return false;
  const want = desired.metadata?.annotations?.[annotation];
  return want !== undefined && live.metadata?.annotations?.[annotation] === want;
}

async function describeHolders(conflicts: readonly FieldConflict[], live: KubeObject | undefined, opts: BundleOptions): Promise<string> {
  if (conflicts.length === 0) return "conflict with another field manager";
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) byManager.set(c.manager, [...(byManager.get(c.manager) ?? []), c.field]);
  const parts: string[] = [];
  for (const [manager, fields] of byManager) {
    const owner = workOwnerOfManager(manager, live);
    const work = owner ? ((await opts.describeOwner?.(owner).catch(() => undefined)) ?? `the Work of AppliedWork ${owner.name}`) : undefined;
    const holder = work ? `${work} (field manager "${manager}")` : `field manager "${manager}"`;
    parts.push(`${fields.join(", ")} held by ${holder}`);
  }
  return `conflict: ${parts.join("; ")}`;
}

/** group/kind → CRD name, for CRDs defined in this bundle. */
function crdsInBundle(planned: readonly Planned[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of planned) {
    if (p.group !== "apiextensions.k8s.io" || p.kind !== "CustomResourceDefinition") continue;
    const spec = (p.object as { spec?: { group?: string; names?: { kind?: string } } }).spec;
    if (spec?.group && spec.names?.kind) out.set(`${spec.group}/${spec.names.kind}`, p.name);
  }
  return out;
}

/** Resolves a kind; for a kind whose CRD is in this bundle, waits until it is served. */
async function resolve(p: Planned, opts: BundleOptions, crds: Map<string, string>): Promise<ResourceMapping> {
  try {
    return await opts.mapper.resolve(p.apiVersion, p.kind);
  } catch (err) {
    if (!isNoKindMatch(err) || !crds.has(`${p.group}/${p.kind}`)) throw err;
  }
  const deadline = Date.now() + (opts.crdEstablishTimeoutMs ?? 30_000);
  for (;;) {
    await new Promise((r) => setTimeout(r, opts.crdPollMs ?? 250));
    opts.signal?.throwIfAborted();
    opts.mapper.invalidate();
    try {
      return await opts.mapper.resolve(p.apiVersion, p.kind);
    } catch (err) {
      if (!isNoKindMatch(err) || Date.now() > deadline) throw err;
    }
  }
}

export function isNoKindMatch(err: unknown): boolean {
  return err instanceof Error && err.name === "NoKindMatchError";
}

export type { KubeObject };
