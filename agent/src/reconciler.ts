/**
 * The Work reconciler: one function from a Work key to the spoke state and
 * the Work status. Level-based: it re-reads the Work and its AppliedWork from
 * the caches every time and issues no write when nothing would change.
 */
import { API_VERSION, WORK_FINALIZER, type AppliedWork, type OwnerReference, type Work } from "@work-api/api";
import { LastApplied, applyBundle, appliedWorkName, fieldManagerFor, pruneObjects, workId, type ManifestResult, type PruneResult } from "@work-api/apply";
import { isNotFound, type Logger } from "@work-api/runtime";
import { metaFromRef, planInventory, refFromMeta, sameInventory } from "./inventory.js";
import type { HubWorks, SpokeAppliedWorks, SpokeObjects } from "./ports.js";
import { nextWorkStatus, statusChanged } from "./status.js";
import { AGENT_LABEL, WORK_ID_LABEL } from "./labels.js";

export interface ReconcilerOptions {
  hubUrl: string;
  hubNamespace: string;
  /** Identifies this agent's objects on the spoke (label value). */
  agentId: string;
  fieldManager: string;
  force: boolean;
  works: HubWorks;
  appliedWorks: SpokeAppliedWorks;
  spoke: SpokeObjects;
  lastApplied?: LastApplied;
  log: Logger;
  /** Requeue delay while deleted objects are still finalizing. Default 2 s. */
  terminatingRequeueMs?: number;
  /** Kubernetes Events on the Work (what changed on the spoke, what failed). */
  events?: WorkEvents;
  /** Counts manifests by outcome. */
  onResults?: (results: readonly ManifestResult[], pruned: readonly PruneResult[]) => void;
}

/** Where the reconciler reports noteworthy changes; the agent writes them as Events on the Work. */
export interface WorkEvents {
  event(work: Work, type: "Normal" | "Warning", reason: string, message: string): void;
}

function summary(results: readonly ManifestResult[], pruned: readonly PruneResult[]): string | undefined {
  const count = (a: string): number => results.filter((r) => r.action === a).length;
  const parts = [["created", count("created")], ["configured", count("configured")], ["pruned", pruned.filter((p) => p.action === "pruned").length]] as const;
  const changed = parts.filter(([, n]) => n > 0);
  return changed.length > 0 ? changed.map(([a, n]) => `${a} ${n}`).join(", ") : undefined;
}

export interface ReconcileResult {
  requeueAfter?: number;
}

/** Some manifests failed; the status says which. Retried with backoff. */
export class ManifestsFailedError extends Error {
  override readonly name = "ManifestsFailedError";
  constructor(readonly work: string, readonly failures: readonly ManifestResult[]) {
    super(`Work/${work}: ${failures.length} manifest(s) failed: ${failures.map((f) => f.message).join("; ")}`);
  }
}

/** Some deletes failed; retried with backoff. */
export class PruneFailedError extends Error {
  override readonly name = "PruneFailedError";
  constructor(readonly work: string, readonly failures: readonly PruneResult[]) {
    super(`Work/${work}: ${failures.length} object(s) could not be deleted: ${failures.map((f) => f.message).join("; ")}`, { cause: failures[0]?.error });
  }
}

export class WorkReconciler {
  private readonly lastApplied: LastApplied;

  constructor(private readonly o: ReconcilerOptions) {
    this.lastApplied = o.lastApplied ?? new LastApplied();
  }

  appliedWorkName(name: string): string {
    return appliedWorkName(this.o.hubUrl, this.o.hubNamespace, name);
  }

  workId(name: string): string {
    return workId(this.o.hubUrl, this.o.hubNamespace, name);
  }

  /** `key` is the Work's name in the agent's hub namespace. */
  async reconcile(key: string, signal?: AbortSignal): Promise<ReconcileResult> {
    const work = this.o.works.get(this.o.hubNamespace, key);
    const awName = this.appliedWorkName(key);
    if (!work) return this.cleanupOrphan(key, awName);
    if (work.metadata.deletionTimestamp) return this.finalize(work, awName);

    let current = work;
    if (!(current.metadata.finalizers ?? []).includes(WORK_FINALIZER)) {
      current = await this.o.works.update({ ...current, metadata: { ...current.metadata, finalizers: [...(current.metadata.finalizers ?? []), WORK_FINALIZER] } });
    }
    const aw = await this.ensureAppliedWork(awName, current);
    const owner: OwnerReference = { apiVersion: API_VERSION, kind: "AppliedWork", name: awName, uid: aw.metadata.uid! };
    const id = this.workId(key);
    const results = await applyBundle(current.spec?.workload?.manifests ?? [], {
      mapper: this.o.spoke.mapper,
      target: this.o.spoke,
      fieldManager: fieldManagerFor(this.o.fieldManager, id),
      force: this.o.force,
      owner,
      labels: { [AGENT_LABEL]: this.o.agentId, [WORK_ID_LABEL]: id },
      lastApplied: this.lastApplied,
      ...(signal ? { signal } : {}),
    });

    const previous = (aw.status?.appliedResources ?? []).map(refFromMeta);
    const plan = planInventory(previous, results);
    const pruned = plan.prune.length > 0 ? await pruneObjects(plan.prune, this.o.spoke) : [];
    for (const p of pruned) if (p.action === "pruned") this.lastApplied.forget({ ...p.ref, namespaced: Boolean(p.ref.namespace) }, p.ref.namespace, p.ref.name);
    const stillThere = pruned.filter((p) => p.action !== "pruned").map((p) => p.ref);
    const inventory = [...plan.applied, ...plan.kept, ...stillThere].sort((a, b) => a.ordinal - b.ordinal).map(metaFromRef);
    if (!sameInventory(aw.status?.appliedResources, inventory)) {
      await this.o.appliedWorks.updateStatus({ ...aw, status: { appliedResources: inventory } });
    }

    const next = nextWorkStatus(results, current.status, current.metadata.generation);
    if (statusChanged(current.status, next)) {
      await this.o.works.updateStatus({ ...current, status: next });
    }

    this.o.onResults?.(results, pruned);
    const changes = summary(results, pruned);
    if (changes) this.o.events?.event(current, "Normal", "Applied", `Manifests applied to the spoke: ${changes}`);
    const failures = results.filter((r) => r.action === "failed");
    if (failures.length > 0) {
      this.o.events?.event(current, "Warning", "ManifestsFailed", `${failures.length} of ${results.length} manifests failed: ${failures.map((f) => f.message).join("; ")}`.slice(0, 1024));
    }
    if (failures.length > 0) throw new ManifestsFailedError(`${this.o.hubNamespace}/${key}`, failures);
    const pruneFailures = pruned.filter((p) => p.action === "failed");
    if (pruneFailures.length > 0) throw new PruneFailedError(`${this.o.hubNamespace}/${key}`, pruneFailures);
    if (stillThere.length > 0) return { requeueAfter: this.o.terminatingRequeueMs ?? 2000 };
    return {};
  }

  private async ensureAppliedWork(name: string, work: Work): Promise<AppliedWork> {
    const existing = await this.o.appliedWorks.get(name);
    if (existing) return existing;
    return this.o.appliedWorks.create({
      apiVersion: API_VERSION,
      kind: "AppliedWork",
      metadata: { name, labels: { [AGENT_LABEL]: this.o.agentId, [WORK_ID_LABEL]: this.workId(work.metadata.name!) } },
      spec: { workName: work.metadata.name!, workNamespace: this.o.hubNamespace },
    });
  }

  /** Deletes every object in the AppliedWork; true when all are gone. */
  private async deleteAll(aw: AppliedWork, work: string): Promise<boolean> {
    const refs = (aw.status?.appliedResources ?? []).map(refFromMeta);
    const res = await pruneObjects(refs, this.o.spoke);
    const failures = res.filter((r) => r.action === "failed");
    if (failures.length > 0) throw new PruneFailedError(work, failures);
    const remaining = res.filter((r) => r.action === "terminating");
    if (remaining.length > 0) {
      this.o.log.info({ work, terminating: remaining.map((r) => r.message) }, "waiting for deleted objects to finalize");
      return false;
    }
    await this.o.appliedWorks.delete(aw.metadata.name!, aw.metadata.uid);
    return true;
  }

  /** Work deleted on the hub: remove its objects, then the AppliedWork, then the finalizer. */
  private async finalize(work: Work, awName: string): Promise<ReconcileResult> {
    if (!(work.metadata.finalizers ?? []).includes(WORK_FINALIZER)) return {};
    const aw = await this.o.appliedWorks.get(awName);
    if (aw && !(await this.deleteAll(aw, `${this.o.hubNamespace}/${work.metadata.name}`))) {
      return { requeueAfter: this.o.terminatingRequeueMs ?? 2000 };
    }
    this.o.events?.event(work, "Normal", "GarbageCollected", "Every object this Work applied was deleted from the spoke");
    try {
      await this.o.works.update({ ...work, metadata: { ...work.metadata, finalizers: (work.metadata.finalizers ?? []).filter((f) => f !== WORK_FINALIZER) } });
    } catch (err) {
      // Already gone: a previous pass removed the finalizer and the cache had not caught up.
      if (!isNotFound(err)) throw err;
    }
    this.o.log.info({ work: `${this.o.hubNamespace}/${work.metadata.name}` }, "work garbage-collected on the spoke");
    return {};
  }

  /** The Work is gone without our finalizer having run (e.g. it was force-removed): clean up after it. */
  private async cleanupOrphan(key: string, awName: string): Promise<ReconcileResult> {
    const aw = await this.o.appliedWorks.get(awName);
    if (!aw) return {};
    this.o.log.info({ work: `${this.o.hubNamespace}/${key}`, appliedWork: awName }, "work is gone from the hub; deleting what it applied");
    return (await this.deleteAll(aw, `${this.o.hubNamespace}/${key}`)) ? {} : { requeueAfter: this.o.terminatingRequeueMs ?? 2000 };
  }
}
