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
}

/** Mount path of the hub kubeconfig Secret in the agent's container. */
export const HUB_KUBECONFIG_DIR = "/var/run/secrets/work-agent/hub";

export function joinManifests(o: JoinOptions): KubeObject[] {
  const labels = { "app.kubernetes.io/name": "work-agent", [MANAGED_BY_LABEL]: MANAGED_BY, [CLUSTER_LABEL]: o.clusterName };
  const ns = o.agentNamespace;
  const meta = (name: string, namespaced = true): Record<string, unknown> => ({ name, ...(namespaced ? { namespace: ns } : {}), labels });
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
    {
      // The agent applies whatever the Works of its cluster hold, so it needs
      // every verb on every resource; narrow this ClusterRole to restrict what
      // the hub may deliver to this cluster.
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: meta("work-agent", false),
      rules: [
        { apiGroups: ["*"], resources: ["*"], verbs: ["*"] },
        { nonResourceURLs: ["*"], verbs: ["get"] },
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: meta("work-agent", false),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "work-agent" },
      subjects: [{ kind: "ServiceAccount", name: "work-agent", namespace: ns }],
    },
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
