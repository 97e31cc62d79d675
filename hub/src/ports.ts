/**
 * The narrow interfaces the hub's reconcilers use: read-only caches (kept by
 * informers), a writer for the API, an event sink and a clock. `clients.ts`
 * implements them over a live API server; unit tests use the in-memory fakes
 * of `fakes.test-util.ts`.
 */
import type { ObjectMeta } from "@work-api/api";

/**
 * Any API object. Looser than KubeObject (no index signature), so the
 * api package's typed kinds (ClusterProfile, Work, ...) fit.
 */
export interface Obj {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

/** A GroupVersionResource with its scope and kind. */
export interface Resource {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespaced: boolean;
}

export const Core = {
  Namespace: { group: "", version: "v1", resource: "namespaces", kind: "Namespace", namespaced: false },
  ServiceAccount: { group: "", version: "v1", resource: "serviceaccounts", kind: "ServiceAccount", namespaced: true },
  Secret: { group: "", version: "v1", resource: "secrets", kind: "Secret", namespaced: true },
  Event: { group: "", version: "v1", resource: "events", kind: "Event", namespaced: true },
  Role: { group: "rbac.authorization.k8s.io", version: "v1", resource: "roles", kind: "Role", namespaced: true },
  RoleBinding: { group: "rbac.authorization.k8s.io", version: "v1", resource: "rolebindings", kind: "RoleBinding", namespaced: true },
  Lease: { group: "coordination.k8s.io", version: "v1", resource: "leases", kind: "Lease", namespaced: true },
} as const satisfies Record<string, Resource>;

/** A read-only view of one resource, as kept by an informer. */
export interface Cache<T extends Obj> {
  get(namespace: string | undefined, name: string): T | undefined;
  /** All cached objects, or those of one namespace. */
  list(namespace?: string): T[];
  /**
   * For caches kept per namespace: false while that namespace's cache cannot be trusted yet (not
   * listed, or its list refused); its absences mean nothing then. Absent: always trusted.
   */
  synced?(namespace: string): boolean;
}

export interface DeleteOptions {
  propagationPolicy?: "Background" | "Foreground" | "Orphan";
  /** Delete only this incarnation of the object. */
  uid?: string;
}

/** authentication.k8s.io/v1 TokenRequest (the fields the hub uses). */
export interface TokenRequestSpec {
  expirationSeconds: number;
  audiences?: string[];
  boundObjectRef?: { apiVersion: string; kind: string; name: string; uid?: string };
}

export interface TokenRequestResult {
  token: string;
  /** RFC 3339. */
  expirationTimestamp: string;
}

/** Writes (and the occasional uncached read). Errors are the runtime's KubeApiError. */
export interface Api {
  get<T extends Obj>(r: Resource, namespace: string | undefined, name: string): Promise<T | undefined>;
  list<T extends Obj>(r: Resource, namespace: string | undefined, labelSelector?: string): Promise<T[]>;
  create<T extends Obj>(r: Resource, obj: T): Promise<T>;
  /** PUT; 409 when obj.metadata.resourceVersion is stale. */
  update<T extends Obj>(r: Resource, obj: T): Promise<T>;
  /** PUT on the status subresource. */
  updateStatus<T extends Obj>(r: Resource, obj: T): Promise<T>;
  /** Resolves when deleted or already absent. */
  delete(r: Resource, namespace: string | undefined, name: string, opts?: DeleteOptions): Promise<void>;
  /** POST serviceaccounts/{name}/token. */
  createToken(namespace: string, serviceAccount: string, spec: TokenRequestSpec): Promise<TokenRequestResult>;
}

export type EventType = "Normal" | "Warning";

/** Records Kubernetes Events about an object (best effort; never throws). */
export interface EventSink {
  event(regarding: Obj, type: EventType, reason: string, message: string): void;
}

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** What a reconcile asks of its controller besides "done". */
export interface Result {
  /** Reconcile this key again after this long (level-based timers: token rotation, Lease expiry). */
  requeueAfter?: number;
}
