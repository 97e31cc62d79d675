/**
 * The hub's informers and its four controllers (registration, credentials,
 * health, placement), wired together: which changes enqueue which keys.
 * Started as a unit once this replica leads (hub.ts).
 */
import {
  AGENT_LEASE_NAME,
  ClusterProfileResource,
  PLACEMENT_NAMESPACE_LABEL,
  PLACEMENT_NAME_LABEL,
  PlacementDecisionResource,
  WorkPlacementResource,
  WorkResource,
  type ClusterProfile,
  type KubeObject,
  type PlacementDecision,
  type Work,
  type WorkPlacement,
} from "@work-api/api";
import { Backoff, Controller, Informer, MultiNamespaceInformer, ensureError, isConflict, sleep, type KubeClient, type Logger, type Registry } from "@work-api/runtime";
import { kubeApi } from "./clients.js";
import type { HubConfig } from "./config.js";
import { CredentialsReconciler, type Secret } from "./credentials.js";
import { HealthReconciler } from "./health-controller.js";
import type { Lease } from "./health.js";
import type { HubEndpoint } from "./kubeconfig.js";
import type { HubCaches } from "./metrics.js";
import { CLUSTER_LABEL, INVENTORY_NAMESPACE_LABEL, namespaceIsFor } from "./names.js";
import { PlacementReconciler } from "./placement-controller.js";
import { Core, type Cache, type EventSink, type Obj, type Resource, type Result } from "./ports.js";
import { subjectOf, type Role, type RoleBinding, type Subject } from "./rbac.js";
import { RegistrationReconciler } from "./registration.js";
import { Removal } from "./removal.js";

/** A {@link Cache} over an informer (keys "namespace/name" or "name"). */
export function cacheOf<T extends Obj>(inf: Informer<T> | MultiNamespaceInformer<T>): Cache<T> {
  return {
    get: (ns, name) => inf.get(ns ? `${ns}/${name}` : name),
    list: (ns) => (ns === undefined ? inf.list() : inf.listByNamespace(ns)),
    // A namespace the hub did not make holds nothing of the hub's: its absence is true.
    ...(inf instanceof MultiNamespaceInformer ? { synced: (ns: string) => !inf.covers(ns) || inf.namespaceSynced(ns) } : {}),
  };
}

/** What the hub starts, stops and waits for: an informer of one scope or one per cluster namespace. */
export type HubInformer = Informer<KubeObject> | MultiNamespaceInformer<KubeObject>;

export interface HubControllersOptions {
  config: HubConfig;
  client: KubeClient;
  hub: HubEndpoint;
  events: EventSink;
  log: Logger;
  registry: Registry;
}

export interface HubControllers {
  informers: HubInformer[];
  controllers: Controller[];
  /** The caches the hub's gauges read (metrics.ts). */
  caches: HubCaches;
  /** Starts informers, then controllers (each waits for its caches). */
  start(signal: AbortSignal): Promise<void>;
  /** Stops the controllers (no reconcile runs once it resolves); the caches keep watching. */
  stopControllers(): Promise<void>;
  /** Stops the controllers, then the informers. */
  stop(): Promise<void>;
  /** True once every informer has synced. */
  synced(): boolean;
}

/**
 * A reconciler as a runtime reconcile function. A 409 Conflict means the
 * cache was behind a newer write: not an error, just look again shortly (the
 * newer object's watch event usually gets there first).
 */
const adapt =
  (fn: (key: string) => Promise<Result>, log: Logger) =>
  async (key: string): Promise<{ requeueAfter?: number } | void> => {
    try {
      const r = await fn(key);
      return r.requeueAfter !== undefined ? { requeueAfter: r.requeueAfter } : undefined;
    } catch (err) {
      if (!isConflict(err)) throw err;
      log.debug({ key, err }, "Stale cache (conflict), reconciling again");
      return { requeueAfter: 250 };
    }
  };

export function hubControllers(o: HubControllersOptions): HubControllers {
  const c = o.config;
  const inv = c.inventoryNamespace;
  const log = o.log;
  const resync = c.resyncPeriodMs;
  const informer = <T extends Obj>(r: Resource, scope: { namespace?: string; labelSelector?: string; fieldSelector?: string }, name: string): Informer<T> =>
    new Informer<T>(o.client, r, { ...scope, name, resyncPeriodMs: resync, logger: log });

  const profiles = informer<ClusterProfile>(ClusterProfileResource, { namespace: inv }, "clusterprofiles");
  // All namespaces: an existing namespace named like a cluster must be seen to be refused.
  const namespaces = informer<KubeObject>(Core.Namespace, {}, "namespaces");
  // Everything else lives in the cluster namespaces this hub made, and the hub may read it only
  // there (deploy/hub/rbac.yaml): one namespaced watch per cluster namespace, never a cluster-wide one.
  const ours = (n: KubeObject): boolean => namespaceIsFor(n, n.metadata?.name ?? "", inv);
  const perNamespace = <T extends Obj>(r: Resource, scope: { labelSelector?: string; fieldSelector?: string }, name: string): MultiNamespaceInformer<T> =>
    new MultiNamespaceInformer<T>(o.client, r, { ...scope, name, resyncPeriodMs: resync, logger: log, namespaces, select: ours });
  const owned = { labelSelector: CLUSTER_LABEL };
  const serviceAccounts = perNamespace<KubeObject>(Core.ServiceAccount, owned, "serviceaccounts");
  const roles = perNamespace<Role>(Core.Role, owned, "roles");
  const roleBindings = perNamespace<RoleBinding>(Core.RoleBinding, owned, "rolebindings");
  const secrets = perNamespace<Secret>(Core.Secret, owned, "secrets");
  const leases = perNamespace<Lease>(Core.Lease, { fieldSelector: `metadata.name=${AGENT_LEASE_NAME}` }, "agent-leases");
  const placements = informer<WorkPlacement>(WorkPlacementResource, { namespace: inv }, "workplacements");
  const decisions = informer<PlacementDecision>(PlacementDecisionResource, { namespace: inv }, "placementdecisions");
  const works = perNamespace<Work>(WorkResource, { labelSelector: PLACEMENT_NAME_LABEL }, "placement-works");
  // Who the hub is (a SelfSubjectReview at start): the subject of its RoleBinding in each cluster namespace.
  let hubSubject: Subject | undefined;

  const api = kubeApi(o.client);
  const common = { api, events: o.events, log };
  const removal = new Removal({
    ...common,
    log: log.child({ controller: "registration" }),
    inventoryNamespace: inv,
    namespaces: cacheOf(namespaces),
    leases: cacheOf(leases),
    defaultLeaseDurationMs: c.leaseDurationMs,
    gracePeriodMs: c.removalGracePeriodMs,
  });
  const registration = new RegistrationReconciler({
    ...common,
    log: log.child({ controller: "registration" }),
    inventoryNamespace: inv,
    clusterManager: c.clusterManager,
    profiles: cacheOf(profiles),
    namespaces: cacheOf(namespaces),
    serviceAccounts: cacheOf(serviceAccounts),
    roles: cacheOf(roles),
    roleBindings: cacheOf(roleBindings),
    removal,
    releaseGracePeriodMs: c.removalGracePeriodMs,
    hubAccess: c.namespaceAccessRole === "" ? undefined : { role: c.namespaceAccessRole, subject: () => hubSubject },
  });
  const credentials = new CredentialsReconciler({
    ...common,
    log: log.child({ controller: "credentials" }),
    clusterManager: c.clusterManager,
    hub: o.hub,
    policy: { lifetimeMs: c.tokenLifetimeMs, rotateBeforeMs: c.tokenRotateBeforeMs },
    profiles: cacheOf(profiles),
    namespaces: cacheOf(namespaces),
    serviceAccounts: cacheOf(serviceAccounts),
    secrets: cacheOf(secrets),
    releaseGracePeriodMs: c.removalGracePeriodMs,
  });
  const health = new HealthReconciler({
    ...common,
    log: log.child({ controller: "health" }),
    clusterManager: c.clusterManager,
    profiles: cacheOf(profiles),
    leases: cacheOf(leases),
    defaultLeaseDurationMs: c.leaseDurationMs,
  });
  const placement = new PlacementReconciler({
    ...common,
    log: log.child({ controller: "placement" }),
    inventoryNamespace: inv,
    clusterManager: c.clusterManager,
    placements: cacheOf(placements),
    profiles: cacheOf(profiles),
    decisions: cacheOf(decisions),
    works: cacheOf(works),
    namespaces: cacheOf(namespaces),
    releaseGracePeriodMs: c.removalGracePeriodMs,
    writeConcurrency: c.placementWriteConcurrency,
  });

  const make = (name: string, fn: (key: string) => Promise<Result>, waitFor: HubInformer[]): Controller =>
    new Controller({ name, reconcile: adapt(fn, log.child({ controller: name })), concurrency: c.concurrency, waitFor, logger: log, registry: o.registry, stopTimeoutMs: c.shutdownTimeoutMs });
  const all = [profiles, namespaces, serviceAccounts, roles, roleBindings, secrets, leases, placements, decisions, works] as HubInformer[];
  const regCtl = make("registration", (k) => registration.reconcile(k), [profiles, namespaces, serviceAccounts, roles, roleBindings, leases] as HubInformer[]);
  const credCtl = make("credentials", (k) => credentials.reconcile(k), [profiles, namespaces, serviceAccounts, secrets] as HubInformer[]);
  const healthCtl = make("health", (k) => health.reconcile(k), [profiles, leases] as HubInformer[]);
  const placeCtl = make("placement", (k) => placement.reconcile(k), [placements, profiles, decisions, works, namespaces] as HubInformer[]);

  // Keys: ClusterProfiles are "inv/name"; objects generated for a cluster carry its labels.
  const profileKey = (name: string): string => `${inv}/${name}`;
  const labelledKey = (o2: KubeObject): string | undefined => {
    const l = o2.metadata?.labels ?? {};
    return l[INVENTORY_NAMESPACE_LABEL] === inv && l[CLUSTER_LABEL] ? profileKey(l[CLUSTER_LABEL]) : undefined;
  };
  const allProfiles = (): string[] => profiles.list().map((p) => profileKey(p.metadata.name!));
  const allPlacements = (): string[] => placements.list().map((p) => `${inv}/${p.metadata.name!}`);
  const namespaceKeys = (n: KubeObject): string[] | string | undefined => {
    const name = n.metadata?.name ?? "";
    if (name === inv) return allProfiles(); // its ClusterSet label is copied to every cluster namespace
    return labelledKey(n) ?? (profiles.get(profileKey(name)) ? profileKey(name) : undefined);
  };

  const own = (x: Obj): string => `${x.metadata?.namespace ?? ""}/${x.metadata?.name ?? ""}`;
  for (const ctl of [regCtl, credCtl, healthCtl]) ctl.watch(profiles, own);
  regCtl.watch(namespaces, namespaceKeys);
  for (const inf of [serviceAccounts, roles, roleBindings] as HubInformer[]) regCtl.watch(inf, labelledKey);
  regCtl.watch(leases, (l) => (profiles.get(profileKey(l.metadata!.namespace!))?.metadata.deletionTimestamp ? profileKey(l.metadata!.namespace!) : undefined));
  credCtl.watch(namespaces, labelledKey);
  credCtl.watch(serviceAccounts, labelledKey);
  credCtl.watch(secrets, labelledKey);
  healthCtl.watch(leases, (l) => (profiles.get(profileKey(l.metadata!.namespace!)) ? profileKey(l.metadata!.namespace!) : undefined));
  placeCtl.watch(placements, own);
  placeCtl.watch(profiles, allPlacements);
  placeCtl.watch(decisions, () => placements.list().filter((p) => p.spec.placementDecisionRef).map((p) => `${inv}/${p.metadata.name!}`));
  placeCtl.watch(namespaces, (n) => (labelledKey(n) ? allPlacements() : undefined));
  placeCtl.watch(works, (w) => {
    const l = w.metadata.labels ?? {};
    return l[PLACEMENT_NAMESPACE_LABEL] === inv && l[PLACEMENT_NAME_LABEL] ? `${inv}/${l[PLACEMENT_NAME_LABEL]}` : undefined;
  });

  const controllers = [regCtl, credCtl, healthCtl, placeCtl];
  const leaseCache = cacheOf(leases);
  return {
    informers: all,
    controllers,
    caches: { profiles: () => profiles.list(), lease: (ns, name) => leaseCache.get(ns, name), works: () => works.list(), placements: () => placements.list() },
    async start(signal: AbortSignal): Promise<void> {
      for (const i of all) i.start();
      if (c.namespaceAccessRole !== "") hubSubject = await whoAmI(o.client, log, signal);
      await Promise.all(controllers.map((ctl) => ctl.start(signal)));
    },
    async stopControllers(): Promise<void> {
      await Promise.all(controllers.map((ctl) => ctl.stop()));
    },
    async stop(): Promise<void> {
      await Promise.all(controllers.map((ctl) => ctl.stop()));
      await Promise.all(all.map((i) => i.stop()));
    },
    synced: () => all.every((i) => i.hasSynced()),
  };
}

/**
 * The hub's own identity, from a SelfSubjectReview (allowed to every authenticated user), retried
 * with backoff until it answers or `signal` aborts.
 */
export async function whoAmI(client: KubeClient, log: Logger, signal: AbortSignal): Promise<Subject> {
  const backoff = new Backoff({ initialMs: 200, maxMs: 5_000, jitter: 0.2 });
  for (;;) {
    try {
      const r = await client.request<{ status?: { userInfo?: { username?: string } } }>("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", {
        body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
        signal,
      });
      const username = r.status?.userInfo?.username ?? "";
      if (username === "") throw new Error("SelfSubjectReview returned no user name");
      const subject = subjectOf(username);
      log.info({ username, subject }, "Hub identity");
      return subject;
    } catch (err) {
      if (signal.aborted) throw err;
      const delayMs = backoff.next();
      log.warn({ err: ensureError(err), delayMs }, "Cannot tell the hub's own identity (SelfSubjectReview); retrying");
      await sleep(delayMs, signal);
    }
  }
}
