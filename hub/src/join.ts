/**
 * `work-hub join CLUSTER`: the spoke-side bootstrap of one cluster's agent,
 * as a multi-document YAML stream for `kubectl apply -f -` on the spoke:
 * a namespace, the agent's minted hub kubeconfig as a Secret, a
 * ServiceAccount with the spoke-side RBAC the agent needs, and its Deployment.
 */
import { CLUSTER_LABEL, AGENT_KUBECONFIG_SECRET, KUBECONFIG_KEY, MANAGED_BY, MANAGED_BY_LABEL, clusterNamespace } from "./names.js";
import type { KubeObject } from "@work-api/api";
import { stringify } from "yaml";

export interface JoinOptions {
  clusterName: string;
  /** The minted kubeconfig (text) from the hub Secret. */
  kubeconfig: string;
  /** Namespace on the spoke the agent runs in. */
  agentNamespace: string;
  image: string;
  /** Extra agent flags, e.g. ["--log-level=debug"]. */
  extraArgs?: readonly string[];
  /** What the default executor may do (see {@link ExecutorRbac}). Default "default". */
  executorRbac?: ExecutorRbac;
}

/**
 * Rights of the default executor (the ServiceAccount work-executor, which writes the objects of
 * Works without spec.executor):
 * - "default": the aggregated ClusterRole work-executor, which join fills with namespaced workload
 *   kinds (work-executor-workloads); add kinds by labelling a ClusterRole
 *   work.multicluster.x-k8s.io/aggregate-to-work-executor: "true".
 * - "cluster-admin": bound to cluster-admin: every Work may write anything on the cluster (the
 *   behaviour before executors). An explicit choice.
 * - "none": no rights; the cluster's admins bind what they choose to work-executor.
 */
export type ExecutorRbac = "default" | "cluster-admin" | "none";
export const EXECUTOR_RBAC_CHOICES: readonly ExecutorRbac[] = ["default", "cluster-admin", "none"];

/** The default executor's ServiceAccount, in the agent's namespace. */
export const DEFAULT_EXECUTOR = "work-executor";
/** Label that adds a ClusterRole's rules to the default executor's aggregated ClusterRole. */
export const EXECUTOR_AGGREGATE_LABEL = "work.multicluster.x-k8s.io/aggregate-to-work-executor";

/** metadata of one object: its name, the agent's namespace unless cluster-scoped, join's labels plus `extraLabels`. */
type Meta = (name: string, namespaced?: boolean, extraLabels?: Record<string, string>) => Record<string, unknown>;
const RBAC = "rbac.authorization.k8s.io/v1";

/**
 * The agent's own rights on the spoke, and nothing that writes a Work's objects:
 * - read every resource (get, list, watch): it watches the kinds it applied to see drift, reads
 *   objects before deciding to release or delete them, and reads the ClusterProperty of its name;
 * - AppliedWorks (its inventory): every verb;
 * - in its own namespace: its leader-election Leases, its hub-kubeconfig Secret (it writes rotated
 *   credentials back), and impersonating the default executor only (never itself).
 * Writes of a Work's objects go through the executor: the agent impersonates it, and the spoke's
 * RBAC decides. To let Works name another executor, grant the agent `impersonate` on that
 * ServiceAccount in its namespace (README, "Executors").
 */
export function agentRbac(ns: string, meta: Meta): KubeObject[] {
  const sa = [{ kind: "ServiceAccount", name: "work-agent", namespace: ns }];
  return [
    {
      apiVersion: RBAC,
      kind: "ClusterRole",
      metadata: meta("work-agent", false),
      rules: [
        { apiGroups: ["*"], resources: ["*"], verbs: ["get", "list", "watch"] },
        { apiGroups: ["multicluster.x-k8s.io"], resources: ["appliedworks"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
        { apiGroups: ["multicluster.x-k8s.io"], resources: ["appliedworks/status"], verbs: ["get", "update", "patch"] },
      ],
    },
    { apiVersion: RBAC, kind: "ClusterRoleBinding", metadata: meta("work-agent", false), roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "work-agent" }, subjects: sa },
    {
      apiVersion: RBAC,
      kind: "Role",
      metadata: meta("work-agent"),
      rules: [
        // Leader election (Lease work-agent-<agent id>; its name depends on the hub, so not fixed here).
        { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "create", "update", "patch"] },
        { apiGroups: [""], resources: ["secrets"], resourceNames: [AGENT_KUBECONFIG_SECRET], verbs: ["get", "update", "patch"] },
        { apiGroups: [""], resources: ["serviceaccounts"], resourceNames: [DEFAULT_EXECUTOR], verbs: ["impersonate"] },
      ],
    },
    { apiVersion: RBAC, kind: "RoleBinding", metadata: meta("work-agent"), roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "work-agent" }, subjects: sa },
  ];
}

/**
 * The default executor: its ServiceAccount, the aggregated ClusterRole work-executor bound to it,
 * and the piece work-executor-workloads whose rules follow `mode` (namespaced workload kinds;
 * every resource for cluster-admin; none). One binding and one piece whatever the mode, so
 * re-joining with another mode converges (a binding's roleRef cannot change).
 */
export function executorRbac(ns: string, meta: Meta, mode: ExecutorRbac): KubeObject[] {
  const subjects = [{ kind: "ServiceAccount", name: DEFAULT_EXECUTOR, namespace: ns }];
  const all = ["get", "list", "watch", "create", "update", "patch", "delete"];
  const rules =
    mode === "cluster-admin"
      ? [
          { apiGroups: ["*"], resources: ["*"], verbs: ["*"] },
          { nonResourceURLs: ["*"], verbs: ["*"] },
        ]
      : mode === "none"
        ? []
        : [
            // Namespaced workloads and what they need; no cluster-scoped kinds but Namespaces (no
            // CRDs, ClusterRoles, webhooks, nodes, PersistentVolumes): add those deliberately.
            { apiGroups: [""], resources: ["namespaces", "configmaps", "secrets", "services", "serviceaccounts", "persistentvolumeclaims", "limitranges", "resourcequotas", "pods"], verbs: all },
            { apiGroups: ["apps"], resources: ["deployments", "statefulsets", "daemonsets", "replicasets"], verbs: all },
            { apiGroups: ["batch"], resources: ["jobs", "cronjobs"], verbs: all },
            { apiGroups: ["autoscaling"], resources: ["horizontalpodautoscalers"], verbs: all },
            { apiGroups: ["policy"], resources: ["poddisruptionbudgets"], verbs: all },
            { apiGroups: ["networking.k8s.io"], resources: ["ingresses", "networkpolicies"], verbs: all },
            { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: all },
            // Roles it may grant only within its own rights (the RBAC escalation check).
            { apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles", "rolebindings"], verbs: all },
          ];
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(DEFAULT_EXECUTOR) },
    {
      apiVersion: RBAC,
      kind: "ClusterRole",
      metadata: meta(DEFAULT_EXECUTOR, false),
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [EXECUTOR_AGGREGATE_LABEL]: "true" } }] },
      rules: [],
    },
    {
      apiVersion: RBAC,
      kind: "ClusterRole",
      metadata: meta(`${DEFAULT_EXECUTOR}-workloads`, false, { [EXECUTOR_AGGREGATE_LABEL]: "true" }),
      rules,
    },
    { apiVersion: RBAC, kind: "ClusterRoleBinding", metadata: meta(DEFAULT_EXECUTOR, false), roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: DEFAULT_EXECUTOR }, subjects },
    // cluster-admin means anything; otherwise the system namespaces are out of reach.
    ...(mode === "cluster-admin" ? [] : systemNamespaceGuard(ns, meta)),
  ];
}

/** Namespaces the default executor never writes in (nor writes them): creating a Pod there could run as their ServiceAccounts. */
export const PROTECTED_NAMESPACES = ["kube-system", "kube-public", "kube-node-lease"];

/**
 * RBAC cannot grant "workloads in every namespace but kube-system", and whoever may create Pods in
 * kube-system may run them as its controllers' ServiceAccounts (cluster-admin in effect). So the
 * default executor's ClusterRoleBinding comes with a ValidatingAdmissionPolicy (Kubernetes 1.30+)
 * that refuses its writes in kube-system, kube-public, kube-node-lease and the agent's namespace,
 * and to those namespaces themselves.
 */
function systemNamespaceGuard(ns: string, meta: Meta): KubeObject[] {
  const name = `${DEFAULT_EXECUTOR}-not-in-system-namespaces`;
  const protectedList = `[${[...PROTECTED_NAMESPACES, ns].map((n) => `'${n}'`).join(", ")}]`;
  return [
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicy",
      metadata: meta(name, false),
      spec: {
        failurePolicy: "Fail",
        matchConstraints: { resourceRules: [{ apiGroups: ["*"], apiVersions: ["*"], operations: ["CREATE", "UPDATE", "DELETE"], resources: ["*/*"] }] },
        matchConditions: [{ name: "the-default-executor", expression: `request.userInfo.username == 'system:serviceaccount:${ns}:${DEFAULT_EXECUTOR}'` }],
        validations: [
          {
            // request.namespace and request.name are absent for some requests (cluster-scoped objects, generateName).
            expression: `!(request.?namespace.orValue('') in ${protectedList}) && !(request.resource.group == '' && request.resource.resource == 'namespaces' && request.?name.orValue('') in ${protectedList})`,
            reason: "Forbidden",
            message: `the default executor ${ns}/${DEFAULT_EXECUTOR} may not write in ${[...PROTECTED_NAMESPACES, ns].join(", ")}, nor write those namespaces; name an executor of your own (spec.executor)`,
          },
        ],
      },
    },
    { apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingAdmissionPolicyBinding", metadata: meta(name, false), spec: { policyName: name, validationActions: ["Deny"] } },
  ];
}

/** Mount path of the hub kubeconfig Secret in the agent's container. */
export const HUB_KUBECONFIG_DIR = "/var/run/secrets/work-agent/hub";

export function joinManifests(o: JoinOptions): KubeObject[] {
  const labels = { "app.kubernetes.io/name": "work-agent", [MANAGED_BY_LABEL]: MANAGED_BY, [CLUSTER_LABEL]: o.clusterName };
  const ns = o.agentNamespace;
  const meta: Meta = (name, namespaced = true, extraLabels = {}) => ({ name, ...(namespaced ? { namespace: ns } : {}), labels: { ...labels, ...extraLabels } });
  return [
    { apiVersion: "v1", kind: "Namespace", metadata: meta(ns, false) },
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: meta(AGENT_KUBECONFIG_SECRET),
      type: "Opaque",
      data: { [KUBECONFIG_KEY]: Buffer.from(o.kubeconfig).toString("base64") },
    },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: meta("work-agent") },
    ...agentRbac(ns, meta),
    ...executorRbac(ns, meta, o.executorRbac ?? "default"),
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: meta("work-agent"),
      spec: {
        // Two replicas for availability: leader election on the spoke lets one act at a time
        // (it heartbeats and writes Work status); the standby takes over after the lease expires.
        replicas: 2,
        // Recreate, so an upgrade from a single agent without leader election never runs beside the new ones.
        strategy: { type: "Recreate" },
        selector: { matchLabels: { "app.kubernetes.io/name": "work-agent" } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: "work-agent",
            securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
              {
                name: "work-agent",
                image: o.image,
                args: [
                  `--hub-kubeconfig=${HUB_KUBECONFIG_DIR}/${KUBECONFIG_KEY}`,
                  `--cluster-name=${o.clusterName}`,
                  `--hub-namespace=${clusterNamespace(o.clusterName)}`,
                  // The agent writes rotated hub credentials back into this Secret, so a restart starts with a valid token.
                  `--hub-kubeconfig-secret=${ns}/${AGENT_KUBECONFIG_SECRET}`,
                  "--leader-elect=true",
                  // Works without spec.executor are written as this ServiceAccount (impersonated).
                  `--default-executor=${ns}/${DEFAULT_EXECUTOR}`,
                  "--health-addr=:8081",
                  "--metrics-addr=:8080",
                  ...(o.extraArgs ?? []),
                ],
                ports: [
                  { name: "metrics", containerPort: 8080 },
                  { name: "health", containerPort: 8081 },
                ],
                livenessProbe: { httpGet: { path: "/healthz", port: "health" }, periodSeconds: 20 },
                readinessProbe: { httpGet: { path: "/readyz", port: "health" }, periodSeconds: 10 },
                resources: { requests: { cpu: "50m", memory: "128Mi" } },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                volumeMounts: [{ name: "hub-kubeconfig", mountPath: HUB_KUBECONFIG_DIR, readOnly: true }],
              },
            ],
            volumes: [{ name: "hub-kubeconfig", secret: { secretName: AGENT_KUBECONFIG_SECRET } }],
          },
        },
      },
    },
  ];
}

/** The objects as one YAML stream, with a header saying where to apply it. */
export function renderJoin(o: JoinOptions): string {
  const header =
    `# work-agent bootstrap for cluster ${o.clusterName}.\n` +
    `# Apply on that cluster (not the hub): kubectl --context <spoke> apply -f -\n` +
    `# Contains a hub credential: treat this output as a secret.\n`;
  return header + joinManifests(o).map((m) => `---\n${stringify(m)}`).join("");
}
