/** The objects the benchmarks apply: small ConfigMaps and the 5-manifest bundle of the latency run. */
import type { KubeObject, ManifestConfig } from "@work-api/api";

/** ~64 bytes of data, the same in the ceiling loop and in every Work. */
export const CM_VALUE = "v".repeat(64);

export function configMap(namespace: string, name: string, value = CM_VALUE): KubeObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace }, data: { key: value } };
}

/** Namespace, ConfigMap, Secret, Service, Deployment in namespace `ns`. */
export function appBundle(ns: string): KubeObject[] {
  const labels = { app: "bench" };
  return [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } },
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "app-config", namespace: ns }, data: { key: CM_VALUE } },
    { apiVersion: "v1", kind: "Secret", metadata: { name: "app-secret", namespace: ns }, type: "Opaque", stringData: { password: "not-a-secret" } },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "app", namespace: ns },
      spec: { selector: labels, ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }] },
    },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "app", namespace: ns },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: { containers: [{ name: "app", image: "registry.k8s.io/pause:3.10", ports: [{ containerPort: 8080 }] }] },
        },
      },
    },
  ];
}

export const APP_BUNDLE_KINDS = ["Namespace", "ConfigMap", "Secret", "Service", "Deployment"];

/**
 * A Deployment with feedback and condition rules (issue 10): WellKnownStatus, a JSONPaths value and a
 * CEL rule, for the idle window that shows rules cost no writes on a steady object. Without nodes its
 * pod stays Pending, so the Deployment's status settles at replicas 1, updatedReplicas 1.
 */
export function ruledDeployment(ns: string): { manifest: KubeObject; manifestConfigs: ManifestConfig[] } {
  const labels = { app: "bench-rules" };
  return {
    manifest: {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "bench-rules", namespace: ns },
      // No deadline within any idle window: its expiry would be a legitimate status change (and writes).
      spec: { replicas: 1, progressDeadlineSeconds: 86_400, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: "app", image: "registry.k8s.io/pause:3.10" }] } } },
    },
    manifestConfigs: [
      {
        resourceIdentifier: { group: "apps", resource: "deployments", namespace: ns, name: "bench-rules" },
        feedbackRules: [{ type: "WellKnownStatus" }, { type: "JSONPaths", jsonPaths: [{ name: "conditions", path: ".conditions" }] }],
        conditionRules: [{ condition: "Scheduled", type: "CEL", celExpressions: ["has(object.status) && object.status.replicas >= 1"], message: "a replica exists" }],
      },
    ],
  };
}
