/**
 * One applier per `updateStrategy.type` (as OCM's appliers), behind one
 * interface: the bundle resolves the kind, builds the desired object, picks
 * the applier from the manifest's manifestConfigs item and hands it this
 * context. An applier returns the manifest's result; it may throw an API
 * error, which the bundle turns into a failed result (failure.ts).
 */
import type { KubeObject, ResourceIdentifier, UpdateStrategy, UpdateStrategyTypeName } from "@work-api/api";
import type { BundleOptions } from "../bundle.js";
import { buildDesired } from "../desired.js";
import type { ParsedManifest } from "../manifest.js";
import type { ManifestResult, ResourceMapping } from "../types.js";

export interface ApplierContext {
  /** The manifest, with its label ("manifest 2 (ConfigMap ns/name)"). */
  p: ParsedManifest & { label: string };
  mapping: ResourceMapping;
  id: ResourceIdentifier;
  /** What a server-side apply sends: the manifest with the agent's labels, owner and record annotation. */
  desired: KubeObject;
  /** The manifest's updateStrategy ({} when no manifestConfigs item names it). */
  strategy: UpdateStrategy;
  opts: BundleOptions;
  /** The live object the applier found, kept for a failed result when the applier throws after reading it. */
  seen: { live?: KubeObject };
}

export interface Applier {
  readonly type: UpdateStrategyTypeName;
  apply(ctx: ApplierContext): Promise<ManifestResult>;
}

export function failedResult(ordinal: number, id: Partial<ResourceIdentifier>, reason: string, message: string, error?: Error, live?: KubeObject): ManifestResult {
  return { ordinal, identifier: { ordinal, ...id }, action: "failed", reason, message, ...(error ? { error } : {}), ...(live ? { live } : {}) };
}

/**
 * The live object whether this agent labelled it or not (the label-selected cache does not hold an
 * object the agent never wrote): Target.observe, else the cache, else a GET.
 */
export async function observeLive(ctx: ApplierContext): Promise<KubeObject | undefined> {
  const { target } = ctx.opts;
  const { mapping: m, p } = ctx;
  const live = target.observe ? await target.observe(m, p.namespace, p.name) : ((await target.get(m, p.namespace, p.name)) ?? (await target.read(m, p.namespace, p.name)));
  ctx.seen.live = live;
  return live;
}

const MAX_PATHS_NAMED = 5;

/** ".data.a, .data.b and 3 more". */
export function namePaths(paths: readonly string[]): string {
  const shown = paths.slice(0, MAX_PATHS_NAMED).join(", ");
  return paths.length > MAX_PATHS_NAMED ? `${shown} and ${paths.length - MAX_PATHS_NAMED} more` : shown;
}

/** The manifest alone as the API server would hold it (no agent labels, owner or record annotation): what differences are read against. */
export function manifestOnly(ctx: ApplierContext): KubeObject {
  return buildDesired(ctx.p.object, {});
}
