/**
 * The Work reconciler: one function from a Work key to the spoke state and
 * the Work status. Level-based: it re-reads the Work and its AppliedWork from
 * the caches every time and issues no write when nothing would change.
 *
 * Order of a reconcile: finalizer on the Work; the AppliedWork; the
 * inventory extended by every object the Work names (before anything is
 * created); the bundle apply; prune of what the Work no longer names
 * (released when another Work still lists it); the final inventory; the
 * Work's status (a patch of what changed).
 *
 * spec.deleteOption is recorded on the AppliedWork before anything is
 * applied (for a clean-up after the Work is gone); objects it orphans are
 * applied without the AppliedWork ownerReference (as OCM: deleting the
 * AppliedWork lets the garbage collector leave them), and prune orphans them.
 */
import { API_VERSION, WORK_FINALIZER, type AppliedWork, type DeleteOption, type OwnerReference, type Work } from "@work-api/api";
import {
  ApplyFailureReason,
  LastApplied,
  appliedAnnotation,
  applyBundle,
  appliedWorkName,
  describeDeleteOption,
  fieldManagerFor,
  manifestIdentities,
  mappingOf,
  orphanTest,
  ownerlessTest,
  pruneObjects,
  workId,
  type AppliedRef,
  type ManifestResult,
  type PruneResult,
} from "@work-api/apply";
import type { Logger } from "@work-api/runtime";
import { markRecreated, metaFromRef, planInventory, refFromIdentity, refFromMeta, sameInventory, withIntended } from "./inventory.js";
import type { HubWorks, SpokeAppliedWorks, SpokeObjects } from "./ports.js";
import { nextWorkStatus, statusPatch } from "./status.js";
import { driftEventMessage } from "./status-drift.js";
import { AGENT_LABEL, DELETE_OPTION_ANNOTATION, EXECUTOR_ANNOTATION, READ_ONLY_ANNOTATION, WORK_ID_LABEL, agentObjectLabel, isLettingGo } from "./labels.js";
import { encodeReadOnly, lookOnlyIntended, nextReadOnly, readOnlyKeys, refKey } from "./read-only.js";
import { watchedObjects, type WatchedObject } from "./object-watches.js";
import { actorOf, executorUser } from "./executor.js";
import { deleteOptionRecord, ownerFor, recordedDeleteOption } from "./delete-option.js";
import type { Target } from "@work-api/apply";

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
  /** Counts manifests by outcome, drift reverted (objects re-created are marked "deleted") and conflicts. */
  onResults?: (results: readonly ManifestResult[], pruned: readonly PruneResult[]) => void;
  /**
   * How long the objects of a Work gone from the hub without its finalizer stay before they are
   * deleted (from the AppliedWork's status.evictionStartTime). 0 = never automatically. Default 60 min.
   */
  evictionGracePeriodMs?: number;
  /**
   * While the spoke does not answer a Work's applies, its status stays as it is for this long,
   * counted per Work from its first unanswered apply (a restart of the spoke's API server flips no
   * Work to Applied=False); past it the failures are reported (reason SpokeUnreachable). Default 2 min.
   */
  spokeOutageGracePeriodMs?: number;
  /**
   * True just after the spoke's API server came back from an outage: a custom resource answered
   * with 404 (KindNotFound) is then taken for its CRD not served yet, and a 403 (Forbidden) for
   * its authorizer's caches not filled yet (a restarted API server answers before its RBAC has
   * loaded: an impersonated executor, unlike a system:masters identity, is then refused); both
   * are held back like an unanswered apply (within the same grace period).
   */
  spokeSettling?: () => boolean;
  /** Eviction progress, for metrics: marked (found gone), cancelled (came back), evicted (deleted). */
  onEviction?: (stage: "marked" | "cancelled" | "evicted") => void;
  /** Clock, for tests. Default Date.now. */
  now?: () => number;
  /** The user that writes the objects of Works without spec.executor (see executor.ts); undefined: the agent itself. */
  defaultExecutor?: string | undefined;
  /** Per-object watches of the objects a Work names that the agent does not label (ReadOnly, ReportDiff, ...; see object-watches.ts). */
  objectWatches?: { set(work: string, objects: readonly WatchedObject[]): void };
}

/** Where the reconciler reports noteworthy changes; the agent writes them as Events on the Work. */
export interface WorkEvents {
  event(work: Work, type: "Normal" | "Warning", reason: string, message: string): void;
}

function summary(results: readonly ManifestResult[], pruned: readonly PruneResult[]): string | undefined {
  const count = (a: string): number => results.filter((r) => r.action === a).length;
  const parts = [
    ["created", count("created")],
    ["configured", count("configured")],
    ["pruned", pruned.filter((p) => p.action === "pruned").length],
    ["released", pruned.filter((p) => p.action === "released").length],
    ["orphaned", pruned.filter((p) => p.action === "orphaned").length],
  ] as const;
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

/** The spoke did not answer for some manifests, within the spoke outage grace period: no status is written; retried. */
export class SpokeUnreachableError extends Error {
  override readonly name = "SpokeUnreachableError";
  constructor(readonly work: string, readonly failures: readonly ManifestResult[]) {
    super(`Work/${work}: the spoke API server did not answer for ${failures.length} manifest(s); status left as it was`, { cause: failures[0]?.error });
  }
}

/** What decides a let-go: the Work's deleteOption now, and the one recorded when its objects were last applied. */
interface DeleteOptions {
  current: DeleteOption | undefined;
  previous: DeleteOption | undefined;
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
  /** Per Work: when its applies first went unanswered (cleared by a reconcile the spoke answered). */
  private readonly unanswered = new Map<string, number>();

  constructor(private readonly o: ReconcilerOptions) {
    this.lastApplied = o.lastApplied ?? new LastApplied();
  }

  appliedWorkName(name: string): string {
    return appliedWorkName(this.o.hubUrl, this.o.hubNamespace, name);
  }

  workId(name: string): string {
    return workId(this.o.hubUrl, this.o.hubNamespace, name);
  }

  private fieldManager(name: string): string {
    return fieldManagerFor(this.o.fieldManager, this.workId(name));
  }

  /** `key` is the Work's name in the agent's hub namespace. */
  async reconcile(key: string, signal?: AbortSignal): Promise<ReconcileResult> {
    const work = this.o.works.get(this.o.hubNamespace, key);
    const awName = this.appliedWorkName(key);
    if (!work || work.metadata.deletionTimestamp) this.unanswered.delete(key);
    if (!work) return this.cleanupOrphan(key, awName);
    if (work.metadata.deletionTimestamp) return this.finalize(work, awName);

    let current = work;
    if (!(current.metadata.finalizers ?? []).includes(WORK_FINALIZER)) current = await this.o.works.addFinalizer(current, WORK_FINALIZER);
    // Who writes: recorded before anything is written, so a clean-up after the Work is gone acts as the same identity.
    const user = executorUser(current, this.o.defaultExecutor);
    let aw = await this.ensureAppliedWork(awName, current, user);
    if (aw.status?.evictionStartTime !== undefined || isLettingGo(aw)) {
      // The Work came back (within the grace period, or while an eviction was under way): the marks go,
      // and this reconcile applies whatever is missing.
      if (isLettingGo(aw)) aw = await this.o.appliedWorks.clearLettingGo(aw);
      const { evictionStartTime: _gone, ...status } = aw.status ?? {};
      aw = await this.o.appliedWorks.updateStatus({ ...aw, status });
      this.o.log.info({ work: `${this.o.hubNamespace}/${key}`, appliedWork: awName }, "work is back on the hub; eviction cancelled");
      this.o.onEviction?.("cancelled");
    }
    const manifests = current.spec?.workload?.manifests ?? [];
    const fieldManager = this.fieldManager(key);
    if (aw.metadata.annotations?.[EXECUTOR_ANNOTATION] !== user) aw = await this.o.appliedWorks.setExecutor(aw, user ?? null);
    // The deleteOption too, before any object is applied (or stripped of its owner) under it.
    const deleteOptions: DeleteOptions = { current: current.spec?.deleteOption, previous: recordedDeleteOption(aw) };
    const record = deleteOptionRecord(deleteOptions.current);
    if ((aw.metadata.annotations?.[DELETE_OPTION_ANNOTATION] ?? null) !== record) aw = await this.o.appliedWorks.setDeleteOption(aw, record);
    const target = this.writer(user);

    // Look-only objects are recorded before they are listed, so no other Work's prune counts the listing as wanting them.
    const wasReadOnly = readOnlyKeys(aw);
    const intended = await lookOnlyIntended(manifests, current.spec?.manifestConfigs, this.o.spoke.mapper);
    if (intended.some((k) => !wasReadOnly.has(k))) aw = await this.o.appliedWorks.setReadOnly(aw, encodeReadOnly([...new Set([...wasReadOnly, ...intended])].sort()));
    // Inventory first: list every object the Work names before creating any.
    const listed = (aw.status?.appliedResources ?? []).map(refFromMeta);
    const previous = withIntended(listed, manifestIdentities(manifests).map(refFromIdentity));
    if (previous.length !== listed.length) aw = await this.writeInventory(aw, previous);

    const owner: OwnerReference = { apiVersion: API_VERSION, kind: "AppliedWork", name: awName, uid: aw.metadata.uid! };
    const results = await applyBundle(manifests, {
      mapper: this.o.spoke.mapper,
      target,
      actor: actorOf(user),
      fieldManager,
      force: this.o.force,
      owner,
      ownerFor: ownerFor(owner, deleteOptions.current, this.o.spoke),
      labels: { [agentObjectLabel(this.o.agentId)]: "" },
      recordAnnotation: appliedAnnotation(this.workId(key)),
      lastApplied: this.lastApplied,
      describeOwner: (o) => this.describeOwner(o),
      ...(current.spec?.manifestConfigs ? { manifestConfigs: current.spec.manifestConfigs } : {}),
      ...(signal ? { signal } : {}),
    });

    const settling = this.o.spokeSettling?.() === true;
    const noAnswer = results.filter((r) => r.action === "failed" && (r.reason === ApplyFailureReason.SpokeUnreachable || (settling && (r.reason === ApplyFailureReason.KindNotFound || r.reason === ApplyFailureReason.Forbidden))));
    if (noAnswer.length > 0) {
      const now = (this.o.now ?? Date.now)();
      const since = this.unanswered.get(key) ?? now;
      this.unanswered.set(key, since);
      // Nothing is known about these objects: report nothing (the status keeps what it said) and retry.
      if (now - since < (this.o.spokeOutageGracePeriodMs ?? 120_000)) throw new SpokeUnreachableError(`${this.o.hubNamespace}/${key}`, noAnswer);
    } else {
      this.unanswered.delete(key);
    }
    this.o.objectWatches?.set(key, watchedObjects(results, agentObjectLabel(this.o.agentId)));
    // Objects only looked at (ReadOnly, ReportDiff), now or until this apply (a manifest just removed): never deleted.
    const readOnlyBefore = readOnlyKeys(aw);
    const readOnlyNow = nextReadOnly(results, readOnlyBefore);
    const lookOnly = new Set([...readOnlyBefore, ...readOnlyNow]);
    const plan = planInventory(previous, results);
    const pruned = plan.prune.length > 0 ? await this.letGo(plan.prune, aw, key, target, deleteOptions, [...plan.applied, ...plan.kept], (r) => lookOnly.has(refKey(r))) : [];
    // Only this Work's own entries stay listed (a handed-off Namespace deleted on the way is not one).
    const stillThere = pruned.filter((p) => (p.action === "terminating" || p.action === "failed") && plan.prune.includes(p.ref)).map((p) => p.ref);
    const inventory = [...plan.applied, ...plan.kept, ...stillThere].sort((a, b) => a.ordinal - b.ordinal);
    if (!sameInventory(aw.status?.appliedResources, inventory.map(metaFromRef))) aw = await this.writeInventory(aw, inventory);
    const readOnly = encodeReadOnly(readOnlyNow);
    if ((aw.metadata.annotations?.[READ_ONLY_ANNOTATION] ?? null) !== readOnly) aw = await this.o.appliedWorks.setReadOnly(aw, readOnly);

    // Re-created objects are drift too ("deleted"): the status records it and the metrics count it.
    const marked = markRecreated(results, listed.filter((r) => !wasReadOnly.has(refKey(r))));
    const next = nextWorkStatus(marked, current.status, current.metadata.generation);
    const patch = statusPatch(current.status, next);
    if (patch) await this.o.works.patchStatus(current, patch);

    this.o.onResults?.(marked, pruned);
    const drifted = driftEventMessage(marked);
    if (drifted) this.o.events?.event(current, "Warning", "DriftReverted", drifted);
    const changes = summary(results, pruned);
    if (changes) this.o.events?.event(current, "Normal", "Applied", `Manifests applied to the spoke: ${changes}`);
    const failures = results.filter((r) => r.action === "failed");
    if (failures.length > 0) {
      this.o.events?.event(current, "Warning", "ManifestsFailed", `${failures.length} of ${results.length} manifests failed: ${failures.map((f) => f.message).join("; ")}`.slice(0, 1024));
      // An object not taken over is watched: its next change reconciles the Work, so no retry timer polls it.
      const retried = failures.filter((f) => f.reason !== ApplyFailureReason.NotTakenOver);
      if (retried.length > 0) throw new ManifestsFailedError(`${this.o.hubNamespace}/${key}`, retried);
    }
    const pruneFailures = pruned.filter((p) => p.action === "failed");
    if (pruneFailures.length > 0) throw new PruneFailedError(`${this.o.hubNamespace}/${key}`, pruneFailures);
    if (stillThere.length > 0) return { requeueAfter: this.o.terminatingRequeueMs ?? 2000 };
    return {};
  }

  private async writeInventory(aw: AppliedWork, refs: readonly AppliedRef[]): Promise<AppliedWork> {
    return this.o.appliedWorks.updateStatus({ ...aw, status: { ...aw.status, appliedResources: refs.map(metaFromRef) } });
  }

  private async ensureAppliedWork(name: string, work: Work, user: string | undefined): Promise<AppliedWork> {
    const existing = await this.o.appliedWorks.get(name);
    if (existing) return existing;
    const record = deleteOptionRecord(work.spec?.deleteOption);
    const annotations = { ...(user !== undefined ? { [EXECUTOR_ANNOTATION]: user } : {}), ...(record !== null ? { [DELETE_OPTION_ANNOTATION]: record } : {}) };
    return this.o.appliedWorks.create({
      apiVersion: API_VERSION,
      kind: "AppliedWork",
      metadata: {
        name,
        labels: { [AGENT_LABEL]: this.o.agentId, [WORK_ID_LABEL]: this.workId(work.metadata.name!) },
        ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      },
      spec: { workName: work.metadata.name!, workNamespace: this.o.hubNamespace },
    });
  }

  /** "Work ns/name" of the AppliedWork an object names as owner (any agent's). */
  private async describeOwner(o: OwnerReference): Promise<string | undefined> {
    const aw = await this.o.appliedWorks.read(o.name);
    return aw && aw.metadata.uid === o.uid ? `Work ${aw.spec.workNamespace}/${aw.spec.workName}` : undefined;
  }

  /**
   * Whether a Work other than the one of AppliedWork `self` (of any agent) still wants the object:
   * its inventory lists it, or, for a Namespace, lists objects in it. One uncached list of the
   * AppliedWorks per prune, read only when a decision needs it.
   */
  private inUseCheck(self: string): (ref: AppliedRef) => Promise<boolean> {
    let all: Promise<AppliedWork[]> | undefined;
    return async (ref) => {
      all ??= this.o.appliedWorks.listAll();
      const isNamespace = ref.kind === "Namespace" && ref.group === "";
      return (await all).some((aw) => {
        if (aw.metadata.name === self || isLettingGo(aw)) return false;
        // A Work letting go of everything (being deleted) wants nothing any more: whoever lets go last deletes.
        // Nor does a Work want what it only looks at (ReadOnly, ReportDiff): it keeps no one from deleting it.
        const lookOnly = readOnlyKeys(aw);
        return (aw.status?.appliedResources ?? []).some(
          (r) =>
            !lookOnly.has(refKey(refFromMeta(r))) &&
            (((r.group ?? "") === ref.group && r.kind === ref.kind && (r.namespace ?? "") === (ref.namespace ?? "") && r.name === ref.name) ||
              (isNamespace && r.namespace === ref.name)),
        );
      });
    };
  }

  /** The spoke as `user` writes it (undefined: the agent itself). */
  private writer(user: string | undefined): Target {
    return this.o.spoke.as(user);
  }

  private async letGo(refs: readonly AppliedRef[], aw: AppliedWork, name: string, target: Target, options: DeleteOptions, keep: readonly AppliedRef[] = [], leaveAlone?: (ref: AppliedRef) => boolean): Promise<PruneResult[]> {
    const fieldManager = this.fieldManager(name);
    const orphan = orphanTest(options.current);
    const [now, before] = [ownerlessTest(options.current), ownerlessTest(options.previous)];
    const res = await pruneObjects(refs, {
      target,
      mapper: this.o.spoke.mapper,
      fieldManager,
      ownerUid: aw.metadata.uid!,
      inUse: this.inUseCheck(aw.metadata.name!),
      keep,
      orphan,
      ...(now || before ? { ownerless: (id) => now?.(id) === true || before?.(id) === true } : {}),
      ownMetadata: { labels: [agentObjectLabel(this.o.agentId)], annotations: [appliedAnnotation(this.workId(name))] },
      ...(leaveAlone ? { leaveAlone } : {}),
    });
    for (const p of res) if (p.action === "pruned" || p.action === "released" || p.action === "orphaned") this.lastApplied.forget(mappingOf(p.ref), p.ref.namespace, p.ref.name, fieldManager);
    return res;
  }

  /** Lets go of every object in the AppliedWork; true when all are gone, released, orphaned or only looked at, and the AppliedWork is deleted. */
  private async deleteAll(current: AppliedWork, work: string, name: string, user: string | undefined, options: DeleteOptions): Promise<boolean> {
    let aw = isLettingGo(current) ? current : await this.o.appliedWorks.markLettingGo(current);
    const refs = (aw.status?.appliedResources ?? []).map(refFromMeta);
    const lookOnly = readOnlyKeys(aw);
    const res = await this.letGo(refs, aw, name, this.writer(user), options, [], (r) => lookOnly.has(refKey(r)));
    this.o.onResults?.([], res);
    const failures = res.filter((r) => r.action === "failed");
    if (failures.length > 0) throw new PruneFailedError(work, failures);
    const remaining = res.filter((r) => r.action === "terminating");
    if (remaining.length > 0) {
      // Only what still finalizes stays listed: the next pass neither decides nor counts the others again.
      const left = remaining.filter((r) => refs.includes(r.ref)).map((r) => r.ref);
      if (left.length < refs.length) aw = await this.writeInventory(aw, left);
      this.o.log.info({ work, terminating: remaining.map((r) => r.message) }, "waiting for deleted objects to finalize");
      return false;
    }
    await this.o.appliedWorks.delete(aw.metadata.name!, aw.metadata.uid);
    return true;
  }

  /** Work deleted on the hub: let go of its objects, then delete the AppliedWork, then remove the finalizer. */
  private async finalize(work: Work, awName: string): Promise<ReconcileResult> {
    if (!(work.metadata.finalizers ?? []).includes(WORK_FINALIZER)) return {};
    const name = work.metadata.name!;
    this.o.objectWatches?.set(name, []);
    const aw = await this.o.appliedWorks.get(awName);
    const option = work.spec?.deleteOption;
    // The record stays as the last apply left it: it says which objects were applied without the ownerReference.
    if (aw && !(await this.deleteAll(aw, `${this.o.hubNamespace}/${name}`, name, executorUser(work, this.o.defaultExecutor), { current: option, previous: recordedDeleteOption(aw) }))) {
      return { requeueAfter: this.o.terminatingRequeueMs ?? 2000 };
    }
    const how = describeDeleteOption(option);
    this.o.events?.event(work, "Normal", "GarbageCollected", how === "Foreground" ? "Every object this Work applied was deleted from the spoke or released" : `Every object this Work applied was deleted from the spoke, released or orphaned (deleteOption ${how})`.slice(0, 1024));
    await this.o.works.removeFinalizer(work, WORK_FINALIZER);
    this.o.log.info({ work: `${this.o.hubNamespace}/${name}` }, "work garbage-collected on the spoke");
    return {};
  }

  /**
   * The Work is gone from the hub without our finalizer having run (a hub restored from a backup, a
   * re-created namespace, a stripped finalizer): confirmed by a read of the hub, marked in the
   * AppliedWork (status.evictionStartTime, so the period survives restarts), and its objects deleted
   * only once the eviction grace period has passed. An eviction already under way (the AppliedWork
   * is letting go) continues.
   */
  private async cleanupOrphan(key: string, awName: string): Promise<ReconcileResult> {
    this.o.objectWatches?.set(key, []);
    const aw = await this.o.appliedWorks.get(awName);
    if (!aw) return {};
    const work = `${this.o.hubNamespace}/${key}`;
    if (!isLettingGo(aw)) {
      // The cache may lag the hub (a relist in flight): only the API server can say the Work is gone.
      if (await this.o.works.read(this.o.hubNamespace, key)) return { requeueAfter: 1000 };
      const grace = this.o.evictionGracePeriodMs ?? 3_600_000;
      const now = (this.o.now ?? Date.now)();
      let start = aw.status?.evictionStartTime;
      // A missing or unreadable mark (hand-edited) starts the full period again.
      if (start === undefined || !Number.isFinite(Date.parse(start))) {
        start = new Date(now).toISOString();
        await this.o.appliedWorks.updateStatus({ ...aw, status: { ...aw.status, evictionStartTime: start } });
        this.o.log.warn({ work, appliedWork: awName, evictionGracePeriodMs: grace }, "work is gone from the hub without its finalizer; eviction pending");
        this.o.onEviction?.("marked");
      }
      if (grace <= 0) return {};
      const left = Date.parse(start) + grace - now;
      if (left > 0) return { requeueAfter: Math.min(left, 5 * 60_000) };
      this.o.log.warn({ work, appliedWork: awName, evictionStartTime: start }, "eviction grace period over; deleting what the work applied");
      this.o.onEviction?.("evicted");
    }
    // The Work is gone: its objects are deleted (or orphaned, as its recorded deleteOption says) by whoever last wrote them.
    const user = aw.metadata.annotations?.[EXECUTOR_ANNOTATION] ?? this.o.defaultExecutor;
    const option = recordedDeleteOption(aw);
    return (await this.deleteAll(aw, work, key, user, { current: option, previous: option })) ? {} : { requeueAfter: this.o.terminatingRequeueMs ?? 2000 };
  }
}
