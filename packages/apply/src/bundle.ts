/**
 * Applies the manifests of one Work in dependency order and returns a typed
 * change set with one result per manifest ordinal. A bad manifest fails on
 * its own; the others still apply.
 *
 * Each manifest goes to the applier of its updateStrategy (appliers/:
 * ServerSideApply by default, CreateOnly, ReadOnly, ReportDiff), picked by
 * the spec.manifestConfigs item that names the object once its kind is
 * resolved. What a server-side apply sends, and when it forces, is described
 * in appliers/server-side-apply.ts.
 */
import type { KubeObject, ManifestConfig, OwnerReference, ResourceIdentifier } from "@work-api/api";
import { manifestConfigFor } from "./manifest-config.js";
import { buildDesired } from "./desired.js";
import { ManifestError, ManifestErrorReason, describeManifest, objectKey, parseManifest, type ParsedManifest } from "./manifest.js";
import { kindRank, sortForApply } from "./order.js";
import { ApplyFailureReason, failureFromError, httpStatus, missingOf } from "./failure.js";
import type { ManifestResult, Mapper, ResourceMapping, Target } from "./types.js";
import { LastApplied } from "./last-applied.js";
import { applierFor } from "./appliers/index.js";
import { failedResult } from "./appliers/applier.js";

export interface BundleOptions {
  mapper: Mapper;
  target: Target;
  /** SSA field manager (one per Work). */
  fieldManager: string;
  /**
   * Take fields from out-of-band managers (drift correction), unless a manifest's
   * serverSideApply.force says otherwise. Fields another Work holds are never taken.
   */
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

const failed = failedResult;

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
  // The strategy of the manifestConfigs item that names the object (matched on the resolved resource).
  const strategy = manifestConfigFor(opts.manifestConfigs, { group: id.group ?? "", resource: id.resource ?? "", namespace: id.namespace ?? "", name: p.name })?.updateStrategy ?? {};
  const applier = applierFor(strategy);
  if (!applier) {
    return failed(p.ordinal, id, ApplyFailureReason.InvalidManifestConfig, `${p.label}: updateStrategy.type ${String(strategy.type)} is not one this agent knows; nothing written`);
  }
  const seen: { live?: KubeObject } = {};
  try {
    return await applier.apply({ p, mapping, id, desired, strategy, opts, seen });
  } catch (err) {
    if (httpStatus(err) === 404 && missingOf(err) === "kind") opts.mapper.invalidate();
    const f = failureFromError(err, p.label, opts.actor);
    return failed(p.ordinal, id, f.reason, f.message, f.error, seen.live);
  }
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
