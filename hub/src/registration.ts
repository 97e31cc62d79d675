/**
 * Registration: for each ClusterProfile of this hub's cluster manager, a hub
 * namespace for the cluster, its agent's ServiceAccount and the Role and
 * RoleBinding that confine the agent to that namespace. The hub's finalizer
 * on the profile makes removal (removal.ts) run before the profile goes.
 *
 * Level-based: every reconcile compares the cached objects with the desired
 * ones and writes only what differs (drift is reverted). A namespace that
 * exists but was not made by this hub for this cluster is never adopted.
 */
import {
  CLUSTERSET_LABEL,
  CLUSTER_MANAGER_LABEL,
  ClusterProfileResource,
  conditionsEquivalent,
  findCondition,
  setCondition,
  type ClusterProfile,
  type DesiredCondition,
  type KubeObject,
} from "@work-api/api";
import { isAlreadyExists, isNotFound, type Logger } from "@work-api/runtime";
import { CLUSTER_FINALIZER, WORK_NAMESPACE_READY, namespaceIsFor } from "./names.js";
import { Core, systemClock, type Api, type Cache, type Clock, type EventSink, type Result } from "./ports.js";
import {
  HUB_ACCESS_BINDING,
  desiredHubRoleBinding,
  desiredNamespace,
  desiredRole,
  desiredRoleBinding,
  desiredServiceAccount,
  hasLabels,
  roleBindingDrift,
  roleDrift,
  withLabels,
  type ClusterIdentity,
  type Role,
  type RoleBinding,
  type Subject,
} from "./rbac.js";
import type { Removal } from "./removal.js";

export interface RegistrationOptions {
  inventoryNamespace: string;
  clusterManager: string;
  profiles: Cache<ClusterProfile>;
  namespaces: Cache<KubeObject>;
  serviceAccounts: Cache<KubeObject>;
  roles: Cache<Role>;
  roleBindings: Cache<RoleBinding>;
  api: Api;
  events: EventSink;
  removal: Removal;
  log: Logger;
  clock?: Clock;
  /**
   * The hub's own rights in each cluster namespace: bind this ClusterRole to this subject there
   * (RoleBinding work-hub) before anything else is made in it. Undefined: no binding (a hub with
   * cluster-wide rights). `subject` is read at each reconcile (known once the hub asked who it is).
   */
  hubAccess?: { role: string; subject: () => Subject | undefined } | undefined;
  /** How long a profile that lost this hub's cluster-manager label waits before it is released. Default 5 min. */
  releaseGracePeriodMs?: number;
}

/** On a ClusterProfile: when this hub first saw it without its cluster-manager label (RFC 3339). */
export const UNMANAGED_SINCE = "work.multicluster.x-k8s.io/unmanaged-since";

/** True when the profile is one this hub manages (by the cluster-manager label). */
export function isOurs(p: ClusterProfile, clusterManager: string): boolean {
  return p.metadata.labels?.[CLUSTER_MANAGER_LABEL] === clusterManager;
}

/**
 * True while this hub serves the cluster: the profile is ours, or it lost the label less than the
 * release grace period ago (it still has the hub's finalizer): placements keep its Works meanwhile.
 */
export function isServed(p: ClusterProfile, clusterManager: string, releaseGracePeriodMs: number, nowMs: number): boolean {
  if (isOurs(p, clusterManager)) return !p.metadata.deletionTimestamp;
  if (p.metadata.deletionTimestamp || !(p.metadata.finalizers ?? []).includes(CLUSTER_FINALIZER)) return false;
  const mark = Date.parse(p.metadata.annotations?.[UNMANAGED_SINCE] ?? "");
  // Not marked yet: registration is about to start the period.
  return !Number.isFinite(mark) || nowMs < mark + releaseGracePeriodMs;
}

/** The hub's RoleBinding exists in a cluster namespace, yet its caches there are still refused (or not listed). */
export class NamespaceAccessPendingError extends Error {
  override readonly name = "NamespaceAccessPendingError";
  constructor(
    readonly namespace: string,
    readonly role: string,
  ) {
    super(
      `Namespace/${namespace}: the hub cannot list its objects yet although RoleBinding ${namespace}/work-hub exists; check that it binds ClusterRole ${role} to this hub's identity ` +
        `(after a change of the hub's ServiceAccount an admin must delete the old binding) and that the ClusterRole exists (deploy/hub/rbac.yaml)`,
    );
  }
}

/** How long a cluster namespace's caches may stay unlisted after the hub bound itself there before that is an error. */
const ACCESS_PENDING_MS = 10_000;

export class RegistrationReconciler {
  /** Cluster namespaces whose hub RoleBinding was made but whose caches have not listed yet: since when. */
  private readonly accessPending = new Map<string, number>();

  constructor(private readonly o: RegistrationOptions) {}

  /**
   * The ClusterSet of a cluster: its inventory namespace's label, and only that. What the spoke
   * reports (its `clusterset.k8s.io` property) is never trusted for it: a compromised spoke must
   * not move its hub namespace into another ClusterSet.
   */
  clusterSet(_p: ClusterProfile): string | undefined {
    return this.o.namespaces.get(undefined, this.o.inventoryNamespace)?.metadata?.labels?.[CLUSTERSET_LABEL] || undefined;
  }

  /** `key` is "namespace/name" of a ClusterProfile. */
  async reconcile(key: string): Promise<Result> {
    const [ns, name] = key.split("/") as [string, string];
    const profile = this.o.profiles.get(ns, name);
    if (!profile) return {};
    const ours = isOurs(profile, this.o.clusterManager);
    const hasFinalizer = (profile.metadata.finalizers ?? []).includes(CLUSTER_FINALIZER);
    if (profile.metadata.deletionTimestamp) {
      if (!hasFinalizer) return {};
      return (await this.accessForRemoval(profile)) ?? this.o.removal.reconcile(profile, "deleted");
    }
    if (!ours) {
      if (!hasFinalizer) return {};
      const wait = await this.releasePending(profile);
      return wait > 0 ? { requeueAfter: Math.min(wait, 60_000) } : ((await this.accessForRemoval(profile)) ?? this.o.removal.reconcile(profile, "unlabelled"));
    }
    let current = profile;
    if (current.metadata.annotations?.[UNMANAGED_SINCE] !== undefined) current = await this.cancelRelease(current);
    if (!hasFinalizer) {
      current = await this.o.api.update(ClusterProfileResource, {
        ...profile,
        metadata: { ...profile.metadata, finalizers: [...(profile.metadata.finalizers ?? []), CLUSTER_FINALIZER] },
      });
    }
    const id: ClusterIdentity = { clusterName: name, inventoryNamespace: ns, clusterSet: this.clusterSet(current) };
    const nsResult = await this.ensureNamespace(current, id);
    if (nsResult.condition.status !== "True") {
      await this.setCondition(current, nsResult.condition);
      return nsResult.result;
    }
    // The hub's rights in the namespace come before any write in it (its labels included).
    const access = await this.ensureHubAccess(id);
    if (access !== undefined) return access;
    await this.ensureNamespaceLabels(id);
    await this.ensureServiceAccount(id);
    await this.ensureRole(id);
    await this.ensureRoleBinding(id);
    await this.setCondition(current, nsResult.condition);
    return {};
  }

  /**
   * The hub's RoleBinding in the cluster namespace comes first: without it the hub may neither read
   * nor write anything there. Until the namespace's caches have listed (they are refused before the
   * binding exists), the binding is created blind (AlreadyExists is fine) and the reconcile comes
   * back shortly; after that it is compared with the desired one like every other object.
   * Returns a result when the reconcile must stop here.
   */
  private async ensureHubAccess(id: ClusterIdentity): Promise<Result | undefined> {
    const access = this.o.hubAccess;
    if (access === undefined) return undefined;
    const subject = access.subject();
    if (subject === undefined) return { requeueAfter: 1_000 };
    const want = desiredHubRoleBinding(id, access.role, subject);
    const ns = want.metadata!.namespace!;
    const now = (this.o.clock ?? systemClock).now();
    if (this.o.roleBindings.synced?.(ns) === false || !this.o.roleBindings.get(ns, HUB_ACCESS_BINDING)) {
      // Not listed yet (the binding is new, or RBAC has not caught up), or not seen yet.
      const since = this.accessPending.get(ns) ?? now;
      this.accessPending.set(ns, since);
      await this.create(Core.RoleBinding, want);
      // Still refused long after the binding exists: back off, with an error that names what to check.
      if (now - since > ACCESS_PENDING_MS) throw new NamespaceAccessPendingError(ns, access.role);
      return { requeueAfter: 500 };
    }
    this.accessPending.delete(ns);
    await this.ensureBinding(want);
    return undefined;
  }

  /**
   * A profile that lost (or changed) its cluster-manager label is released only after the removal
   * grace period, counted from when this hub first saw it so (annotation UNMANAGED_SINCE, so a hub
   * restart does not restart the count): a label edited by mistake costs the cluster nothing.
   * Returns how long is left (0: release now).
   */
  private async releasePending(profile: ClusterProfile): Promise<number> {
    const now = (this.o.clock ?? systemClock).now();
    const grace = this.o.releaseGracePeriodMs ?? 300_000;
    const mark = Date.parse(profile.metadata.annotations?.[UNMANAGED_SINCE] ?? "");
    if (Number.isFinite(mark)) return Math.max(0, mark + grace - now);
    await this.o.api.update(ClusterProfileResource, {
      ...profile,
      metadata: { ...profile.metadata, annotations: { ...profile.metadata.annotations, [UNMANAGED_SINCE]: new Date(now).toISOString() } },
    });
    const label = profile.metadata.labels?.[CLUSTER_MANAGER_LABEL];
    const msg = `The ClusterProfile ${label === undefined ? "lost its" : `now names cluster manager "${label}" in its`} ${CLUSTER_MANAGER_LABEL} label; its Works and hub namespace are removed in ${Math.round(grace / 1000)} s unless the label names ${this.o.clusterManager} again`;
    this.o.events.event(profile, "Warning", "ReleasePending", msg);
    this.o.log.warn({ cluster: profile.metadata.name, label, gracePeriodMs: grace }, "cluster profile no longer ours; release pending");
    return grace;
  }

  private async cancelRelease(profile: ClusterProfile): Promise<ClusterProfile> {
    const { [UNMANAGED_SINCE]: _since, ...annotations } = profile.metadata.annotations ?? {};
    const updated = await this.o.api.update(ClusterProfileResource, { ...profile, metadata: { ...profile.metadata, annotations } });
    this.o.events.event(profile, "Normal", "ReleaseCancelled", `The ClusterProfile names cluster manager ${this.o.clusterManager} again; nothing was removed`);
    return updated;
  }

  private async ensureNamespace(profile: ClusterProfile, id: ClusterIdentity): Promise<{ condition: DesiredCondition; result: Result }> {
    const want = desiredNamespace(id);
    const name = want.metadata!.name!;
    const gen = profile.metadata.generation !== undefined ? { observedGeneration: profile.metadata.generation } : {};
    const live = this.o.namespaces.get(undefined, name);
    if (!live) {
      await this.create(Core.Namespace, want);
      this.o.events.event(profile, "Normal", "NamespaceCreated", `Created hub namespace ${name} for the cluster's Works`);
    } else if (!namespaceIsFor(live, id.clusterName, id.inventoryNamespace)) {
      const msg = `Namespace ${name} exists and was not created by this hub for ClusterProfile ${id.inventoryNamespace}/${id.clusterName}; it is not adopted. Rename the cluster or remove the namespace.`;
      if (findCondition(profile.status?.conditions, WORK_NAMESPACE_READY)?.reason !== "NamespaceConflict") this.o.events.event(profile, "Warning", "NamespaceConflict", msg);
      return { condition: { type: WORK_NAMESPACE_READY, status: "False", reason: "NamespaceConflict", message: msg, ...gen }, result: {} };
    } else if (live.metadata?.deletionTimestamp) {
      return {
        condition: { type: WORK_NAMESPACE_READY, status: "False", reason: "NamespaceTerminating", message: `Namespace ${name} is being deleted; it is re-created once gone.`, ...gen },
        result: { requeueAfter: 2_000 },
      };
    }
    return {
      condition: { type: WORK_NAMESPACE_READY, status: "True", reason: "NamespaceReady", message: `Namespace ${name} holds the cluster's Works; the agent's ServiceAccount work-agent may use it.`, ...gen },
      result: {},
    };
  }

  /** The namespace's labels as the inventory says (a ClusterSet label the inventory no longer gives goes). */
  private async ensureNamespaceLabels(id: ClusterIdentity): Promise<void> {
    const want = desiredNamespace(id);
    const live = this.o.namespaces.get(undefined, want.metadata!.name!);
    if (!live) return;
    const staleSet = live.metadata?.labels?.[CLUSTERSET_LABEL] !== undefined && want.metadata?.labels?.[CLUSTERSET_LABEL] === undefined;
    if (hasLabels(live, want) && !staleSet) return;
    const next = withLabels(live, want);
    if (staleSet && next.metadata?.labels) {
      const { [CLUSTERSET_LABEL]: _gone, ...labels } = next.metadata.labels;
      next.metadata = { ...next.metadata, labels };
    }
    await this.o.api.update(Core.Namespace, next);
  }

  /**
   * Removal works in the cluster namespace with the hub's per-namespace rights: their RoleBinding
   * is put back first if someone deleted it (not in a namespace already terminating, whose
   * content the namespace controller is deleting). Returns a result when removal must wait.
   */
  private async accessForRemoval(profile: ClusterProfile): Promise<Result | undefined> {
    if (this.o.hubAccess === undefined) return undefined;
    const name = profile.metadata.name!;
    const live = this.o.namespaces.get(undefined, name);
    if (!live || live.metadata?.deletionTimestamp || !namespaceIsFor(live, name, profile.metadata.namespace!)) return undefined;
    return this.ensureHubAccess({ clusterName: name, inventoryNamespace: profile.metadata.namespace!, clusterSet: this.clusterSet(profile) });
  }

  private async ensureServiceAccount(id: ClusterIdentity): Promise<void> {
    const want = desiredServiceAccount(id);
    const live = this.o.serviceAccounts.get(want.metadata!.namespace, want.metadata!.name!);
    if (!live) await this.create(Core.ServiceAccount, want);
    else if (!hasLabels(live, want)) await this.o.api.update(Core.ServiceAccount, withLabels(live, want));
  }

  private async ensureRole(id: ClusterIdentity): Promise<void> {
    const want = desiredRole(id);
    const live = this.o.roles.get(want.metadata!.namespace, want.metadata!.name!);
    if (!live) await this.create(Core.Role, want);
    else if (roleDrift(live, want) !== "none") await this.o.api.update(Core.Role, { ...withLabels(live, want), rules: want.rules });
  }

  private async ensureRoleBinding(id: ClusterIdentity): Promise<void> {
    await this.ensureBinding(desiredRoleBinding(id));
  }

  private async ensureBinding(want: RoleBinding): Promise<void> {
    const live = this.o.roleBindings.get(want.metadata!.namespace, want.metadata!.name!);
    if (!live) {
      await this.create(Core.RoleBinding, want);
      return;
    }
    const drift = roleBindingDrift(live, want);
    if (drift === "recreate") {
      await this.o.api.delete(Core.RoleBinding, want.metadata!.namespace, want.metadata!.name!, { uid: live.metadata?.uid });
      await this.create(Core.RoleBinding, want);
    } else if (drift === "update") {
      await this.o.api.update(Core.RoleBinding, { ...withLabels(live, want), subjects: want.subjects });
    }
  }

  /** Create; an AlreadyExists means the cache is behind, and the next reconcile compares again. True when created. */
  private async create(r: Parameters<Api["create"]>[0], obj: KubeObject): Promise<boolean> {
    try {
      await this.o.api.create(r, obj);
      return true;
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      return false;
    }
  }

  private async setCondition(profile: ClusterProfile, c: DesiredCondition): Promise<void> {
    const now = new Date((this.o.clock ?? { now: Date.now }).now()).toISOString();
    const next = setCondition(profile.status?.conditions, c, now);
    if (conditionsEquivalent(profile.status?.conditions, next)) return;
    try {
      await this.o.api.updateStatus(ClusterProfileResource, { ...profile, status: { ...(profile.status ?? {}), conditions: next } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
