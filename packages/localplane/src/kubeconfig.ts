/**
 * Kubeconfig files for a cluster: context, cluster and user all named after
 * the cluster; the CA is embedded, the user authenticates with a bearer token.
 */
import { stringify } from "yaml";

export interface KubeconfigInput {
  name: string;
  server: string;
  caPem: string;
  token: string;
  /** User entry name; defaults to the cluster name. */
  user?: string;
}

export function buildKubeconfig(input: KubeconfigInput): string {
  const user = input.user ?? input.name;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: input.name,
        cluster: { server: input.server, "certificate-authority-data": Buffer.from(input.caPem).toString("base64") },
      },
    ],
    users: [{ name: user, user: { token: input.token } }],
    contexts: [{ name: input.name, context: { cluster: input.name, user } }],
    "current-context": input.name,
    preferences: {},
  });
}
