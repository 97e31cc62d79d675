/**
 * Removal of a cluster: when its ClusterProfile is deleted (or stops carrying
 * this hub's cluster-manager label), delete its Works so a live agent
 * garbage-collects what they applied on the spoke, then delete its hub
 * namespace, then release the profile. When the agent is gone (its Lease
 * expired longer than the grace period ago), the agent's finalizers on the
 * Works are released so nothing hangs, and an Event names what was orphaned
 * on the spoke.
 */
import { AGENT_LEASE_NAME, ClusterProfileResource, WORK_FINALIZER, WorkResource, type ClusterProfile, type KubeObject, type Work } from "@work-api/api";
import { isConflict, isForbidden, isNotFound, type Logger } from "@work-api/runtime";
import { leaseState, type Lease } from "./health.js";
import { CLUSTER_FINALIZER, clusterNamespace, namespaceIsFor } from "./names.js";
import { Core, systemClock, type Api, type Cache, type Clock, type EventSink, type Result } from "./ports.js";

export interface RemovalOptions {
  inventoryNamespace: string;
  namespaces: Cache<KubeObject>;
  leases: Cache<Lease>;
  api: Api;
  events: EventSink;
  log: Logger;
  /** Agent Lease duration assumed when a Lease states none. */
  defaultLeaseDurationMs: number;
  /** How long the agent must have been gone before its finalizers are released. */
  gracePeriodMs: number;
  /** How often to look again while waiting for the agent or the namespace controller. */
  pollMs?: number;
  clock?: Clock;
}

/** Decides whether the agent can be waited for, from its Lease. Pure. */
export function agentGoneForMs(lease: Lease | undefined, defaultLeaseDurationMs: number, since: number | undefined, nowMs: number): number {
  const s = leaseState(lease, defaultLeaseDurationMs, nowMs);
  if (s.state === "fresh") return 0;
  if (s.state === "expired") return nowMs - (s.expiresMs ?? since ?? nowMs);
  // No Lease: the agent never reported (or its namespace lost it); count from the start of the removal.
  return since === undefined ? Number.POSITIVE_INFINITY : nowMs - since;
}

export class Removal {
  private readonly clock: Clock;
  /** When removal of a profile without deletionTimestamp (unlabelled) started, by uid. */
  private readonly started = new Map<string, number>();

  constructor(private readonly o: RemovalOptions) {
    this.clock = o.clock ?? systemClock;
  }

  async reconcile(profile: ClusterProfile, why: "deleted" | "unlabelled"): Promise<Result> {
    const name = profile.metadata.name!;
    const nsName = clusterNamespace(name);
    const now = this.clock.now();
    const poll = this.o.pollMs ?? 2_000;
    // The cache may lag a namespace created moments ago: confirm an absence with a read.
    const ns = this.o.namespaces.get(undefined, nsName) ?? (await this.o.api.get<KubeObject>(Core.Namespace, undefined, nsName));
    const ours = ns !== undefined && namespaceIsFor(ns, name, this.o.inventoryNamespace);

    if (ours) {
      let works: Work[];
      try {
        works = await this.o.api.list<Work>(WorkResource, nsName);
      } catch (err) {
        // A terminating namespace loses the hub's RoleBinding early (the namespace controller
        // deletes it with the rest): wait for the namespace to go. Anywhere else a 403 is an error.
        if (!ns.metadata?.deletionTimestamp || !isForbidden(err)) throw err;
        this.o.log.debug({ cluster: name, namespace: nsName }, "Namespace terminating and no longer readable; waiting for it to go");
        return { requeueAfter: poll };
      }
      if (works.length > 0) {
        for (const w of works) {
          if (!w.metadata.deletionTimestamp) await this.o.api.delete(WorkResource, nsName, w.metadata.name!, { propagationPolicy: "Background", uid: w.metadata.uid });
        }
        const held = works.filter((w) => (w.metadata.finalizers ?? []).includes(WORK_FINALIZER));
        if (held.length === 0) return { requeueAfter: poll };
        // A Lease missing from a namespace not listed yet would look like a long-gone agent.
        if (this.o.leases.synced?.(nsName) === false) return { requeueAfter: poll };
        const uid = profile.metadata.uid ?? name;
        if (!this.started.has(uid)) this.started.set(uid, now);
        const since = profile.metadata.deletionTimestamp ? Date.parse(profile.metadata.deletionTimestamp) : this.started.get(uid);
        const gone = agentGoneForMs(this.o.leases.get(nsName, AGENT_LEASE_NAME), this.o.defaultLeaseDurationMs, since, now);
        if (gone < this.o.gracePeriodMs) {
          this.o.log.debug({ cluster: name, works: held.length, agentGoneForMs: gone }, "Waiting for the agent to clean up Works");
          return { requeueAfter: Math.min(poll * 5, Math.max(poll, this.o.gracePeriodMs - gone)) };
        }
        await this.releaseFinalizers(profile, held, gone);
        return { requeueAfter: poll };
      }
      if (!ns.metadata?.deletionTimestamp) {
        await this.o.api.delete(Core.Namespace, undefined, nsName, { propagationPolicy: "Background", uid: ns.metadata?.uid });
        this.o.events.event(profile, "Normal", "NamespaceDeleted", `Deleting hub namespace ${nsName}: the cluster's Works are gone`);
      }
      return { requeueAfter: poll };
    }

    // Nothing of ours is left: let the profile go.
    const finalizers = (profile.metadata.finalizers ?? []).filter((f) => f !== CLUSTER_FINALIZER);
    try {
      await this.o.api.update(ClusterProfileResource, { ...profile, metadata: { ...profile.metadata, finalizers } });
    } catch (err) {
      if (isNotFound(err)) return {};
      throw err;
    }
    this.started.delete(profile.metadata.uid ?? name);
    if (why === "unlabelled") this.o.events.event(profile, "Normal", "ClusterReleased", `The ClusterProfile no longer names this hub's cluster manager; its hub namespace ${nsName} was removed`);
    this.o.log.info({ cluster: name, why }, "Cluster removed");
    return {};
  }

  private async releaseFinalizers(profile: ClusterProfile, works: readonly Work[], goneMs: number): Promise<void> {
    const released: string[] = [];
    for (const w of works) {
      try {
        await this.o.api.update(WorkResource, { ...w, metadata: { ...w.metadata, finalizers: (w.metadata.finalizers ?? []).filter((f) => f !== WORK_FINALIZER) } });
        released.push(w.metadata.name!);
      } catch (err) {
        if (isNotFound(err)) continue;
        if (isConflict(err)) continue; // changed meanwhile: the next pass looks again
        throw err;
      }
    }
    if (released.length === 0) return;
    const since = Number.isFinite(goneMs) ? `for ${Math.round(goneMs / 1000)}s` : "ever";
    const msg =
      `The agent of cluster ${profile.metadata.name} has not renewed its Lease ${since}; released its finalizer on ${released.length} Work(s) ` +
      `without cleanup: ${released.sort().join(", ")}. What they applied stays on the spoke; delete their AppliedWorks there to remove it.`;
    this.o.events.event(profile, "Warning", "OrphanedWorkResources", msg);
    this.o.log.warn({ cluster: profile.metadata.name, works: released }, "Released Work finalizers of a gone agent");
  }
}
