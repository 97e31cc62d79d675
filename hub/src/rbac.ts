/**
 * The hub-side objects of one cluster: its hub namespace, its agent's
 * ServiceAccount, and the Role/RoleBinding that give the agent exactly what
 * it needs in that namespace and nothing anywhere else. Pure builders plus
 * "does the live object still match" checks for a level-based reconciler.
 */
import { AGENT_LEASE_NAME, CLUSTERSET_LABEL, GROUP, type KubeObject } from "@work-api/api";
import { AGENT_KUBECONFIG_SECRET, AGENT_ROLE, AGENT_SERVICE_ACCOUNT, clusterLabels, clusterNamespace } from "./names.js";

/** rbac.authorization.k8s.io/v1 PolicyRule */
export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

export interface Subject {
  kind: string;
  name: string;
  namespace?: string;
  apiGroup?: string;
}

export interface RoleRef {
  apiGroup: string;
  kind: string;
  name: string;
}

export interface Role extends KubeObject {
  rules: PolicyRule[];
}

export interface RoleBinding extends KubeObject {
  roleRef: RoleRef;
  subjects: Subject[];
}

/**
 * What a cluster's agent may do in its hub namespace (and nowhere else):
 * - Works: read and watch them; update them to add and remove its finalizer
 *   (works/finalizers for clusters that enforce owner-reference permissions);
 *   write their status.
 * - Its heartbeat Lease: create it, then read and renew only that one.
 * - Events about what it does.
 * - Its own kubeconfig Secret, read-only, to pick up rotated credentials.
 */
export function agentRules(): PolicyRule[] {
  return [
    { apiGroups: [GROUP], resources: ["works"], verbs: ["get", "list", "watch", "update", "patch"] },
    { apiGroups: [GROUP], resources: ["works/status"], verbs: ["get", "update", "patch"] },
    { apiGroups: [GROUP], resources: ["works/finalizers"], verbs: ["update"] },
    // create cannot be limited by name (the name is not known to the authorizer before admission).
    { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
    { apiGroups: ["coordination.k8s.io"], resources: ["leases"], resourceNames: [AGENT_LEASE_NAME], verbs: ["get", "update", "patch"] },
    { apiGroups: ["", "events.k8s.io"], resources: ["events"], verbs: ["create", "patch", "update"] },
    { apiGroups: [""], resources: ["secrets"], resourceNames: [AGENT_KUBECONFIG_SECRET], verbs: ["get", "list", "watch"] },
  ];
}

/** Inputs of the builders: which cluster, from which inventory namespace, in which ClusterSet. */
export interface ClusterIdentity {
  clusterName: string;
  inventoryNamespace: string;
  /** ClusterSet of the cluster, when known (namespace label of the inventory, or the cluster's property). */
  clusterSet?: string | undefined;
}

function labelsFor(id: ClusterIdentity): Record<string, string> {
  return {
    ...clusterLabels(id.clusterName, id.inventoryNamespace),
    ...(id.clusterSet ? { [CLUSTERSET_LABEL]: id.clusterSet } : {}),
  };
}

export function desiredNamespace(id: ClusterIdentity): KubeObject {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name: clusterNamespace(id.clusterName), labels: labelsFor(id) } };
}

export function desiredServiceAccount(id: ClusterIdentity): KubeObject {
  return {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: AGENT_SERVICE_ACCOUNT, namespace: clusterNamespace(id.clusterName), labels: labelsFor(id) },
  };
}

export function desiredRole(id: ClusterIdentity): Role {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "Role",
    metadata: { name: AGENT_ROLE, namespace: clusterNamespace(id.clusterName), labels: labelsFor(id) },
    rules: agentRules(),
  };
}

export function desiredRoleBinding(id: ClusterIdentity): RoleBinding {
  const ns = clusterNamespace(id.clusterName);
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: AGENT_ROLE, namespace: ns, labels: labelsFor(id) },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: AGENT_ROLE },
    subjects: [{ kind: "ServiceAccount", name: AGENT_SERVICE_ACCOUNT, namespace: ns }],
  };
}

/** Name of the RoleBinding that gives the hub itself its rights in a cluster namespace. */
export const HUB_ACCESS_BINDING = "work-hub";

/**
 * The RBAC subject of an authenticated user name (as a SelfSubjectReview reports it): a
 * ServiceAccount for "system:serviceaccount:NS:NAME", else a User.
 */
export function subjectOf(username: string): Subject {
  const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(username);
  if (m) return { kind: "ServiceAccount", namespace: m[1]!, name: m[2]! };
  return { kind: "User", apiGroup: "rbac.authorization.k8s.io", name: username };
}

/**
 * The hub's own access to a cluster namespace it created: a RoleBinding of the ClusterRole `role`
 * (deploy/hub/rbac.yaml: work-hub-cluster-namespace) to the hub's identity. Its cluster-wide
 * ClusterRole lets it create RoleBindings and bind only that role; the admission policy keeps those
 * bindings to namespaces labelled as made by a hub for a cluster.
 */
export function desiredHubRoleBinding(id: ClusterIdentity, role: string, subject: Subject): RoleBinding {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: HUB_ACCESS_BINDING, namespace: clusterNamespace(id.clusterName), labels: labelsFor(id) },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
    subjects: [subject],
  };
}

/** True when every desired label is set to the desired value on `live` (other labels are left alone). */
export function hasLabels(live: KubeObject, desired: KubeObject): boolean {
  const have = live.metadata?.labels ?? {};
  return Object.entries(desired.metadata?.labels ?? {}).every(([k, v]) => have[k] === v);
}

/** Canonical JSON (sorted keys) for structural comparison. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function normalizeRules(rules: readonly PolicyRule[] | undefined): string {
  return canonical(
    (rules ?? []).map((r) => ({
      apiGroups: r.apiGroups ?? [],
      resources: r.resources ?? [],
      verbs: r.verbs ?? [],
      resourceNames: r.resourceNames ?? [],
    })),
  );
}

/** What must change on a live object to match the desired one. */
export type Drift = "none" | "update" | "recreate";

export function roleDrift(live: Role, desired: Role): Drift {
  return hasLabels(live, desired) && normalizeRules(live.rules) === normalizeRules(desired.rules) ? "none" : "update";
}

export function roleBindingDrift(live: RoleBinding, desired: RoleBinding): Drift {
  // roleRef is immutable: a different one needs delete and create.
  if (canonical(live.roleRef) !== canonical(desired.roleRef)) return "recreate";
  const subjects = (s: readonly Subject[] | undefined): string => canonical((s ?? []).map((x) => ({ kind: x.kind, name: x.name, namespace: x.namespace ?? "" })));
  return hasLabels(live, desired) && subjects(live.subjects) === subjects(desired.subjects) ? "none" : "update";
}

/** Merges the desired labels into the live object's labels. */
export function withLabels<T extends KubeObject>(live: T, desired: KubeObject): T {
  return { ...live, metadata: { ...live.metadata, labels: { ...(live.metadata?.labels ?? {}), ...(desired.metadata?.labels ?? {}) } } };
}
