/**
 * Which objects each Work needs watched one by one, and which Works a watch
 * event wakes. After every apply the reconciler tells this which objects of
 * the Work the label-selected caches cannot see (see {@link watchedObjects});
 * watches no Work needs any more are stopped.
 */
import { UpdateStrategyType, type ResourceIdentifier } from "@work-api/api";
import { ApplyFailureReason, type ManifestResult, type ResourceMapping } from "@work-api/apply";
import { inventoryKey } from "./applied-works.js";

export interface WatchedObject {
  mapping: ResourceMapping;
  namespace?: string;
  name: string;
}

const UNLABELLED_STRATEGIES = new Set<string>([UpdateStrategyType.ReadOnly, UpdateStrategyType.ReportDiff, UpdateStrategyType.CreateOnly]);

/**
 * The objects of a Work's results that need a watch of their own: those of a ReadOnly, ReportDiff
 * or CreateOnly manifest, and those not taken over, unless the live object carries the agent's
 * label (the label-selected cache sees it then).
 */
export function watchedObjects(results: readonly ManifestResult[], agentLabel: string): WatchedObject[] {
  const out: WatchedObject[] = [];
  for (const r of results) {
    const id = r.identifier;
    if (!id.resource || !id.kind || !id.name || !id.version) continue;
    const type = r.config?.updateStrategy?.type;
    const wanted = (type !== undefined && UNLABELLED_STRATEGIES.has(type)) || r.reason === ApplyFailureReason.NotTakenOver;
    if (!wanted || r.live?.metadata?.labels?.[agentLabel] !== undefined) continue;
    const namespaced = (id.namespace ?? "") !== "";
    out.push({ mapping: { group: id.group ?? "", version: id.version, resource: id.resource, kind: id.kind, namespaced }, ...(namespaced ? { namespace: id.namespace! } : {}), name: id.name });
  }
  return out;
}

type Watch = (m: ResourceMapping, namespace: string | undefined, name: string) => () => void;

const keyOf = (o: WatchedObject): string => `${o.mapping.group}/${o.mapping.version}/${o.mapping.resource}/${o.namespace ?? ""}/${o.name}`;
const idKey = (o: WatchedObject): string => inventoryKey({ group: o.mapping.group, kind: o.mapping.kind, namespace: o.namespace ?? "", name: o.name });

export class WorkObjectWatches {
  private readonly byWork = new Map<string, Map<string, { object: WatchedObject; release: () => void }>>();
  /** group/kind/namespace/name → the Works that watch it. */
  private readonly works = new Map<string, Set<string>>();

  constructor(private readonly watch: Watch) {}

  /** The objects `work` needs watched from now on (an empty list stops its watches). */
  set(work: string, objects: readonly WatchedObject[]): void {
    const current = this.byWork.get(work) ?? new Map<string, { object: WatchedObject; release: () => void }>();
    const next = new Map<string, { object: WatchedObject; release: () => void }>();
    for (const o of objects) {
      const k = keyOf(o);
      if (next.has(k)) continue;
      const had = current.get(k);
      current.delete(k);
      next.set(k, had ?? { object: o, release: this.watch(o.mapping, o.namespace, o.name) });
      if (!had) this.index(idKey(o), work, true);
    }
    for (const gone of current.values()) {
      gone.release();
      this.index(idKey(gone.object), work, false);
    }
    if (next.size > 0) this.byWork.set(work, next);
    else this.byWork.delete(work);
  }

  /** The Works that watch the object (by group, kind, namespace and name). */
  worksOf(id: Pick<ResourceIdentifier, "group" | "kind" | "namespace" | "name">): string[] {
    return [...(this.works.get(inventoryKey({ group: id.group ?? "", kind: id.kind ?? "", namespace: id.namespace ?? "", name: id.name ?? "" })) ?? [])];
  }

  private index(key: string, work: string, add: boolean): void {
    const set = this.works.get(key) ?? new Set<string>();
    if (add) set.add(work);
    else set.delete(work);
    if (set.size > 0) this.works.set(key, set);
    else this.works.delete(key);
  }
}
