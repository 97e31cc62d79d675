/**
 * Placement: keeps one Work per selected cluster for each WorkPlacement
 * (placement-plan.ts decides what to write), deletes its Works in clusters it
 * no longer selects, and reports a summary in its status. Works live in other
 * namespaces than their placement, so instead of owner references they carry
 * the placement's labels, and the hub's finalizer on the placement deletes
 * them when it goes.
 */
import {
  WorkPlacementResource,
  WorkResource,
  type ClusterProfile,
  type KubeObject,
  type PlacementDecision,
  type Work,
  type WorkPlacement,
} from "@work-api/api";
import { isAlreadyExists, isConflict, isForbidden, isNotFound, type Logger } from "@work-api/runtime";
import { PLACEMENT_FINALIZER, clusterNamespace, namespaceIsFor } from "./names.js";
import pLimit from "p-limit";
import { ownedBy, planPlacement } from "./placement-plan.js";
import { systemClock, type Api, type Cache, type Clock, type EventSink, type Result } from "./ports.js";
import { isServed } from "./registration.js";
import { selectClusters } from "./selection.js";

export interface PlacementOptions {
  inventoryNamespace: string;
  clusterManager: string;
  placements: Cache<WorkPlacement>;
  profiles: Cache<ClusterProfile>;
  decisions: Cache<PlacementDecision>;
  /** Works carrying a placement label, all namespaces. */
  works: Cache<Work>;
  namespaces: Cache<KubeObject>;
  api: Api;
  events: EventSink;
  log: Logger;
  clock?: Clock;
  /** A cluster whose profile lost the cluster-manager label keeps its Works this long (see isServed). Default 5 min. */
  releaseGracePeriodMs?: number;
  /** Work writes (creates, updates, deletes) one reconcile has in flight at once. Default 16. */
  writeConcurrency?: number;
}

/** Thrown after the status is written when some writes failed, so the controller retries with backoff. */
export class PlacementWriteError extends Error {
  override readonly name = "PlacementWriteError";
}

/** A Work of the placement's name exists in a cluster and belongs to someone else. */
class WorkConflictError extends Error {
  override readonly name = "WorkConflictError";
}

type WriteError = { reason: string; message: string };

/**
 * A write the Works cache has not shown yet. Planning on a cache that misses
 * our own writes could exceed maxConcurrency, so a placement waits until its
 * expectations are met (or have aged out).
 */
interface Expectation {
  kind: "create" | "update" | "delete";
  /** For updates: the resourceVersion the write replaced. */
  staleRv?: string | undefined;
  at: number;
}

/** How long to wait for the cache to show a write before planning anyway. */
const EXPECTATION_TIMEOUT_MS = 30_000;

export class PlacementReconciler {
  private readonly clock: Clock;
  /** Last write failures by placement key, then cluster (reported until a write succeeds). */
  private readonly writeErrors = new Map<string, Map<string, WriteError>>();
  /** Unobserved writes by placement key, then Work namespace. */
  private readonly expectations = new Map<string, Map<string, Expectation>>();

  constructor(private readonly o: PlacementOptions) {
    this.clock = o.clock ?? systemClock;
  }

  /** `key` is "namespace/name" of a WorkPlacement. */
  async reconcile(key: string): Promise<Result> {
    const [ns, name] = key.split("/") as [string, string];
    const p = this.o.placements.get(ns, name);
    if (!p) {
      this.writeErrors.delete(key);
      this.expectations.delete(key);
      return {};
    }
    if (p.metadata.deletionTimestamp) return this.finalize(key, p);
    let current = p;
    if (!(p.metadata.finalizers ?? []).includes(PLACEMENT_FINALIZER)) {
      current = await this.o.api.update(WorkPlacementResource, { ...p, metadata: { ...p.metadata, finalizers: [...(p.metadata.finalizers ?? []), PLACEMENT_FINALIZER] } });
    }

    const now = this.clock.now();
    const profiles = this.o.profiles.list(ns).filter((x) => isServed(x, this.o.clusterManager, this.o.releaseGracePeriodMs ?? 300_000, now));
    const selection = selectClusters(current, profiles, this.o.decisions.list(ns));
    const works = this.o.works.list().filter((w) => ownedBy(w, current));
    if (!this.expectationsMet(key, works)) return { requeueAfter: 250 };
    // A namespace whose Works the hub cannot list yet (its access there is moments old) waits too.
    let listing = false;
    const namespaceReady = (cluster: string): boolean => {
      const n = this.o.namespaces.get(undefined, clusterNamespace(cluster));
      if (n === undefined || n.metadata?.deletionTimestamp || !namespaceIsFor(n, cluster, ns)) return false;
      if (this.o.works.synced?.(clusterNamespace(cluster)) !== false) return true;
      listing = true;
      return false;
    };
    const errors = this.writeErrors.get(key) ?? new Map<string, WriteError>();
    const nowIso = new Date(this.clock.now()).toISOString();
    const plan = planPlacement({ placement: current, selection, works, namespaceReady, writeErrors: errors, now: nowIso });

    this.o.log.debug(
      { placement: key, selected: selection.clusters.length, create: plan.create.length, update: plan.update.length, delete: plan.delete.length, pending: plan.status.pendingClusters },
      "Placement plan",
    );
    const created: string[] = [];
    const updated: string[] = [];
    const deleted: string[] = [];
    const byNs = new Map(works.map((w) => [w.metadata.namespace!, w]));
    // The fan-out: bounded-parallel writes (a placement to 100 clusters is 100 creates). Each write's
    // outcome lands in `errors` per cluster; deletes that fail reject the round, as before.
    const limit = pLimit(Math.max(1, this.o.writeConcurrency ?? 16));
    await Promise.all(
      plan.create.map((w) =>
        limit(async () => {
          const cluster = this.clusterOf(w, selection.clusters);
          await this.write(errors, cluster, async () => {
            try {
              await this.o.api.create(WorkResource, w);
              this.expect(key, w.metadata.namespace!, { kind: "create", at: this.clock.now() });
              created.push(cluster);
            } catch (err) {
              if (!isAlreadyExists(err)) throw err;
              const live = await this.o.api.get<Work>(WorkResource, w.metadata.namespace, w.metadata.name!);
              if (live && !ownedBy(live, current)) {
                throw new WorkConflictError(`Work ${w.metadata.namespace}/${w.metadata.name} exists and was not created by this placement; it is left alone`);
              }
            }
          });
        }),
      ),
    );
    await Promise.all(
      plan.update.map((w) =>
        limit(async () => {
          const cluster = this.clusterOf(w, selection.clusters);
          const live = byNs.get(w.metadata.namespace!);
          if (!live) return;
          await this.write(errors, cluster, async () => {
            await this.o.api.update(WorkResource, { ...live, metadata: { ...live.metadata, labels: w.metadata.labels, annotations: w.metadata.annotations }, spec: w.spec });
            this.expect(key, w.metadata.namespace!, { kind: "update", staleRv: live.metadata.resourceVersion, at: this.clock.now() });
            updated.push(cluster);
          });
        }),
      ),
    );
    const deletes = await Promise.allSettled(
      plan.delete.map((w) =>
        limit(async () => {
          await this.o.api.delete(WorkResource, w.metadata.namespace, w.metadata.name!, { propagationPolicy: "Background", uid: w.metadata.uid });
          this.expect(key, w.metadata.namespace!, { kind: "delete", at: this.clock.now() });
          deleted.push(w.metadata.namespace!);
        }),
      ),
    );
    const deleteFailed = deletes.find((d): d is PromiseRejectedResult => d.status === "rejected");
    if (deleteFailed) throw deleteFailed.reason;
    // Written in parallel: named in a stable order.
    for (const l of [created, updated, deleted]) l.sort();
    for (const c of errors.keys()) if (!selection.clusters.includes(c)) errors.delete(c);
    if (errors.size > 0) this.writeErrors.set(key, errors);
    else this.writeErrors.delete(key);

    if (created.length > 0) this.o.events.event(current, "Normal", "WorksCreated", `Created Work ${name} in ${created.length} cluster(s): ${list(created)}`);
    if (updated.length > 0) this.o.events.event(current, "Normal", "WorksUpdated", `Updated Work ${name} in ${updated.length} cluster(s): ${list(updated)}`);
    if (deleted.length > 0) this.o.events.event(current, "Normal", "WorksDeleted", `Deleted Work ${name} from ${deleted.length} deselected cluster(s): ${list(deleted)}`);

    // The status after this round's writes (their failures included).
    const final = planPlacement({ placement: current, selection, works, namespaceReady, writeErrors: errors, now: nowIso });
    if (final.statusChanged) {
      try {
        await this.o.api.updateStatus(WorkPlacementResource, { ...current, status: final.status });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    const retryable = [...errors.values()].filter((e) => e.reason !== "WorkConflict");
    if (retryable.length > 0) throw new PlacementWriteError(`${retryable.length} Work write(s) failed: ${retryable.map((e) => e.message).join("; ")}`);
    // Clusters waiting for their namespace are picked up by namespace events; poll slowly as a safety
    // net. A namespace whose cache is still listing sends no event when it is done: look again soon.
    if (listing) return { requeueAfter: 1_000 };
    return final.status.pendingClusters ? { requeueAfter: 30_000 } : {};
  }

  private expect(key: string, namespace: string, e: Expectation): void {
    let m = this.expectations.get(key);
    if (!m) this.expectations.set(key, (m = new Map()));
    m.set(namespace, e);
  }

  /** Drops the expectations the cache now shows; true when none is left. */
  private expectationsMet(key: string, works: readonly Work[]): boolean {
    const m = this.expectations.get(key);
    if (!m) return true;
    const now = this.clock.now();
    const byNs = new Map(works.map((w) => [w.metadata.namespace!, w]));
    for (const [ns, e] of m) {
      const w = byNs.get(ns);
      const seen =
        e.kind === "create" ? w !== undefined : e.kind === "delete" ? w === undefined || w.metadata.deletionTimestamp !== undefined : w?.metadata.resourceVersion !== e.staleRv;
      if (seen || now - e.at > EXPECTATION_TIMEOUT_MS) m.delete(ns);
    }
    if (m.size > 0) return false;
    this.expectations.delete(key);
    return true;
  }

  private clusterOf(w: Work, clusters: readonly string[]): string {
    return clusters.find((c) => clusterNamespace(c) === w.metadata.namespace) ?? w.metadata.namespace!;
  }

  private async write(errors: Map<string, WriteError>, cluster: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
      errors.delete(cluster);
    } catch (err) {
      if (isConflict(err)) return; // stale cache: the Work's own event brings us back
      const reason = err instanceof WorkConflictError ? "WorkConflict" : isForbidden(err) ? "Forbidden" : isNotFound(err) ? "NamespaceNotFound" : "WriteFailed";
      errors.set(cluster, { reason, message: err instanceof Error ? err.message : String(err) });
      this.o.log.warn({ cluster, err }, "Cannot write a placement's Work");
    }
  }

  private async finalize(key: string, p: WorkPlacement): Promise<Result> {
    this.writeErrors.delete(key);
    const pending = [...(this.expectations.get(key)?.keys() ?? [])];
    this.expectations.delete(key);
    if (!(p.metadata.finalizers ?? []).includes(PLACEMENT_FINALIZER)) return {};
    // The hub may read Works only in the cluster namespaces it made (no cluster-wide list): the
    // cache, plus a read where it may be behind (a Work created moments ago, a namespace still listing).
    const mine = this.o.works.list().filter((w) => ownedBy(w, p));
    const seen = new Set(mine.map((w) => w.metadata.namespace!));
    const unsure = new Set(pending);
    for (const n of this.o.namespaces.list()) {
      const name = n.metadata?.name ?? "";
      if (this.o.works.synced?.(name) === false) unsure.add(name);
    }
    for (const ns of unsure) {
      if (seen.has(ns)) continue;
      const live = await this.o.api.get<Work>(WorkResource, ns, p.metadata.name!);
      if (live && ownedBy(live, p)) mine.push(live);
    }
    for (const w of mine) {
      if (!w.metadata.deletionTimestamp) await this.o.api.delete(WorkResource, w.metadata.namespace, w.metadata.name!, { propagationPolicy: "Background", uid: w.metadata.uid });
    }
    if (mine.length > 0) this.o.events.event(p, "Normal", "WorksDeleted", `Deleting Work ${p.metadata.name} from ${mine.length} cluster(s): ${list(mine.map((w) => w.metadata.namespace!))}`);
    try {
      await this.o.api.update(WorkPlacementResource, { ...p, metadata: { ...p.metadata, finalizers: (p.metadata.finalizers ?? []).filter((f) => f !== PLACEMENT_FINALIZER) } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    return {};
  }
}

function list(names: readonly string[], max = 10): string {
  const sorted = [...names].sort();
  return sorted.length > max ? `${sorted.slice(0, max).join(", ")} and ${sorted.length - max} more` : sorted.join(", ");
}
