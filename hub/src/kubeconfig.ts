/**
 * Kubeconfigs minted for agents: the hub API server URL and CA, and a bound
 * ServiceAccount token, with the cluster's hub namespace as the default
 * namespace. Also reading those back (join, tests) and finding the hub URL
 * and CA in the controller's own kubeconfig.
 */
import { readFileSync } from "node:fs";
import { KubeConfig } from "@kubernetes/client-node";
import { parse, stringify } from "yaml";

export interface AgentKubeconfigInput {
  /** Hub API server URL, e.g. https://hub.example.com:6443. */
  server: string;
  /** PEM of the CA that signed the hub's serving certificate; none = system roots. */
  caPem?: string | undefined;
  token: string;
  clusterName: string;
  namespace: string;
}

/** A kubeconfig document (YAML) for one agent. */
export function buildAgentKubeconfig(i: AgentKubeconfigInput): string {
  const user = `work-agent-${i.clusterName}`;
  const context = `work-agent-${i.clusterName}@hub`;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: "hub",
        cluster: {
          server: i.server,
          ...(i.caPem ? { "certificate-authority-data": Buffer.from(i.caPem).toString("base64") } : {}),
        },
      },
    ],
    users: [{ name: user, user: { token: i.token } }],
    contexts: [{ name: context, context: { cluster: "hub", user, namespace: i.namespace } }],
    "current-context": context,
    preferences: {},
  });
}

export interface ParsedAgentKubeconfig {
  server: string | undefined;
  caPem: string | undefined;
  token: string | undefined;
  namespace: string | undefined;
}

/** Reads back what {@link buildAgentKubeconfig} wrote (undefined fields when absent or unparsable). */
export function parseAgentKubeconfig(text: string | undefined): ParsedAgentKubeconfig {
  const empty: ParsedAgentKubeconfig = { server: undefined, caPem: undefined, token: undefined, namespace: undefined };
  if (!text) return empty;
  let doc: Record<string, unknown>;
  try {
    doc = (parse(text) ?? {}) as Record<string, unknown>;
  } catch {
    return empty;
  }
  const current = doc["current-context"];
  const contexts = (doc.contexts ?? []) as { name?: string; context?: { cluster?: string; user?: string; namespace?: string } }[];
  const ctx = contexts.find((c) => c.name === current)?.context ?? contexts[0]?.context;
  const cluster = ((doc.clusters ?? []) as { name?: string; cluster?: Record<string, string> }[]).find((c) => c.name === ctx?.cluster)?.cluster;
  const user = ((doc.users ?? []) as { name?: string; user?: { token?: string } }[]).find((u) => u.name === ctx?.user)?.user;
  const caData = cluster?.["certificate-authority-data"];
  return {
    server: cluster?.server,
    caPem: caData ? Buffer.from(caData, "base64").toString("utf8") : undefined,
    token: user?.token,
    namespace: ctx?.namespace,
  };
}

/** The hub URL and CA the minted kubeconfigs use. */
export interface HubEndpoint {
  server: string;
  caPem: string | undefined;
}

/**
 * The server URL and CA of the current context of a KubeConfig, with the
 * overrides of `--hub-url` and `--hub-ca-file`.
 */
export function hubEndpoint(kc: KubeConfig, overrides: { hubUrl?: string | undefined; caFile?: string | undefined } = {}): HubEndpoint {
  const cluster = kc.getCurrentCluster();
  const server = overrides.hubUrl ?? cluster?.server;
  if (!server) throw new Error("cannot tell the hub API server URL: the kubeconfig has no current cluster; set --hub-url");
  let caPem: string | undefined;
  if (overrides.caFile) caPem = readFileSync(overrides.caFile, "utf8");
  else if (cluster?.caData) caPem = Buffer.from(cluster.caData, "base64").toString("utf8");
  else if (cluster?.caFile) caPem = readFileSync(cluster.caFile, "utf8");
  return { server: server.replace(/\/+$/, ""), caPem };
}
