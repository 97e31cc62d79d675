/**
 * Orphaning (spec.deleteOption): leaving an object on the spoke with its values, no longer this
 * Work's. One JSON merge patch, conditional on the uid and resourceVersion just read, drops this
 * Work's AppliedWork ownerReference (the garbage collector then lets the object be), its label
 * and annotations, and every managedFields entry of this Work (matched by work id, so a manager
 * under an older --field-manager base goes too). The values stay, owned by their other managers
 * or by none. (An empty server-side apply, as a release sends, would remove the values this Work
 * alone owned.) The answer is checked: a server that kept a manager of this Work fails the orphan.
 *
 * A Namespace or CRD whose deletion would take an orphaned object along is never deleted: before
 * an object is orphaned, its Namespace and (for a custom resource) its CRD are marked with
 * {@link HOLDS_ORPHANS_ANNOTATION} when this Work lists them or they are handed off; any Work's
 * prune then orphans (or releases) a marked Namespace or CRD instead of deleting it, now and
 * later. Remove the annotation by hand to let it be deleted again.
 */
import type { KubeObject } from "@work-api/api";
import { httpStatus } from "./failure.js";
import { crdNameOf, isCrdResource, isNamespaceResource } from "./delete-option.js";
import type { ObjectIdentity } from "./manifest-config.js";
import { appliedWorkOwners } from "./ownership.js";
import type { AppliedRef, Mapper, ResourceMapping, Target } from "./types.js";

/** On a Namespace or CRD that holds objects a Work orphaned: never deleted by a Work's prune. */
export const HOLDS_ORPHANS_ANNOTATION = "work.multicluster.x-k8s.io/holds-orphans";

/** What orphaning needs of the prune's options. */
export interface OrphanContext {
  target: Target;
  mapper: Mapper;
  fieldManager: string;
  ownerUid: string;
  ownMetadata?: { labels?: readonly string[]; annotations?: readonly string[] } | undefined;
  /** The hand-off annotation (prune.ts RELEASED_ANNOTATION). */
  releasedAnnotation: string;
}

/** Raised by an orphan that did not happen; the prune reports "orphan failed" (a 409 is decided again). */
export class OrphanFailedError extends Error {
  override readonly name = "OrphanFailedError";
  /** The cause's HTTP status, so a conflict is retried as any other. */
  readonly statusCode: number | undefined;
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.statusCode = httpStatus(cause);
  }
}

const WORK_ID = /-([0-9a-f]{10})$/;
const managerOf = (f: unknown): string => {
  const m = (f as { manager?: unknown } | null)?.manager;
  return typeof m === "string" ? m : "";
};

/** True for a field manager of the Work whose manager is `fieldManager` (any base, same work id). */
export function isWorkManager(manager: string, fieldManager: string): boolean {
  const id = WORK_ID.exec(fieldManager)?.[1];
  return manager === fieldManager || (id !== undefined && manager.endsWith(`-${id}`));
}

export interface StripOptions {
  /** Keep the agent's label (another AppliedWork still owns the object). */
  keepLabel: boolean;
  /** Set the hand-off annotation (another Work lists the object; the last one deletes it); otherwise it goes. */
  handOff: boolean;
}

/** Removes everything of this Work from the live object, values untouched (see the module comment). */
export async function stripWork(m: ResourceMapping, ns: string | undefined, name: string, live: KubeObject, ctx: OrphanContext, how: StripOptions): Promise<KubeObject> {
  const md = live.metadata ?? {};
  const owners = md.ownerReferences ?? [];
  const kept = owners.filter((o) => o.uid !== ctx.ownerUid);
  const managed = (md.managedFields ?? []).filter((f) => !isWorkManager(managerOf(f), ctx.fieldManager));
  const drop = (keys: readonly string[], present: Record<string, string> | undefined): Record<string, null> => Object.fromEntries(keys.filter((k) => present?.[k] !== undefined).map((k) => [k, null]));
  const labels = how.keepLabel ? {} : drop(ctx.ownMetadata?.labels ?? [], md.labels);
  const annotations: Record<string, string | null> = {
    ...drop([...(ctx.ownMetadata?.annotations ?? []), ...(how.handOff ? [] : [ctx.releasedAnnotation])], md.annotations),
    ...(how.handOff ? { [ctx.releasedAnnotation]: "true" } : {}),
  };
  const out = await ctx.target.mergePatch(m, ns, name, {
    metadata: {
      uid: md.uid,
      resourceVersion: md.resourceVersion,
      // A merge patch replaces a list whole. An empty managedFields list is ignored; [{}] clears it.
      ...(kept.length !== owners.length ? { ownerReferences: kept.length > 0 ? kept : null } : {}),
      managedFields: managed.length > 0 ? managed : [{}],
      ...(Object.keys(labels).length > 0 ? { labels } : {}),
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    },
  });
  const left = (out.metadata?.managedFields ?? []).map(managerOf).filter((mgr) => isWorkManager(mgr, ctx.fieldManager));
  if (left.length > 0) throw new Error(`the API server kept this Work's field manager(s) ${left.join(", ")} on the object`);
  return out;
}

const CRD_GROUP = "apiextensions.k8s.io";

/**
 * One prune's orphaning state: the Namespaces and CRDs that hold objects orphaned now, those
 * already marked, and the ones this Work lists (its own, which it marks).
 */
export class OrphanBatch {
  private readonly orphanedIn = new Set<string>();
  private readonly orphanedKinds = new Set<string>();
  private readonly marked = new Set<string>();
  private readonly own = new Set<string>();

  /** `listed`: every object of the Work, let go of now or kept. */
  constructor(listed: readonly AppliedRef[]) {
    for (const r of listed) {
      if (r.group === "" && r.kind === "Namespace") this.own.add(`ns/${r.name}`);
      if (r.group === CRD_GROUP && r.kind === "CustomResourceDefinition") this.own.add(`crd/${r.name}`);
    }
  }

  /** Namespaces that hold an object orphaned in this prune. */
  get namespaces(): ReadonlySet<string> {
    return this.orphanedIn;
  }

  /** Why the Namespace or CRD `live` must stay on the spoke; undefined when nothing says so. */
  holdsOrphans(id: ObjectIdentity, live: KubeObject): string | undefined {
    const marked = live.metadata?.annotations?.[HOLDS_ORPHANS_ANNOTATION] !== undefined;
    const now = isNamespaceResource(id) ? this.orphanedIn.has(id.name) : isCrdResource(id) ? this.orphanedKinds.has(id.name) : false;
    if (!now && !marked) return undefined;
    const how = now ? "orphaned now" : `marked by ${HOLDS_ORPHANS_ANNOTATION}`;
    if (isNamespaceResource(id)) return `it holds orphaned objects (${how}); deleting it would delete them`;
    if (isCrdResource(id)) return `custom resources of it were orphaned (${how}); deleting it would delete them`;
    return undefined;
  }

  /** Records an object just orphaned: its Namespace and CRD stay in this prune. */
  orphaned(m: ResourceMapping, ns: string | undefined): void {
    if (ns) this.orphanedIn.add(ns);
    if (m.group !== "") this.orphanedKinds.add(crdNameOf(m));
  }

  /** Marks the Namespace and the CRD whose deletion would take the object (`m`, `ns`) along. */
  async markContainers(m: ResourceMapping, ns: string | undefined, ctx: OrphanContext): Promise<void> {
    if (m.namespaced && ns) await this.mark("", "Namespace", ns, ctx);
    // A CRD is named <plural>.<group>; built-in groups (no dot, or *.k8s.io) have none unless this Work lists one.
    const crd = crdNameOf(m);
    if (m.group !== "" && (this.own.has(`crd/${crd}`) || (m.group.includes(".") && !m.group.endsWith(".k8s.io")))) await this.mark(CRD_GROUP, "CustomResourceDefinition", crd, ctx);
  }

  private async mark(group: string, kind: string, name: string, ctx: OrphanContext): Promise<void> {
    const key = `${kind === "Namespace" ? "ns" : "crd"}/${name}`;
    if (this.marked.has(key)) return;
    const m = await ctx.mapper.resolveGroupKind(group, kind);
    const live = await ctx.target.read(m, undefined, name);
    const handedOff = live !== undefined && appliedWorkOwners(live).length === 0 && live.metadata?.annotations?.[ctx.releasedAnnotation] !== undefined;
    // Another Work's Namespace or CRD is that Work's to delete; one being deleted cannot be saved.
    if (live && !live.metadata?.deletionTimestamp && (this.own.has(key) || handedOff) && live.metadata?.annotations?.[HOLDS_ORPHANS_ANNOTATION] === undefined) {
      await ctx.target.mergePatch(m, undefined, name, { metadata: { uid: live.metadata?.uid, annotations: { [HOLDS_ORPHANS_ANNOTATION]: "true" } } });
    }
    this.marked.add(key);
  }
}
