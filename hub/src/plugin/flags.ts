/**
 * Flags of `kubectl work` and its commands, in tables that also render the
 * help texts, plus the kubectl-style short flags (-n, -o, -h) the runtime's
 * parser does not know.
 */
import type { FlagSpec } from "@work-api/runtime";

/** Name of the plugin as users type it. */
export const PLUGIN = "kubectl work";

const KUBECONFIG: FlagSpec = {
  name: "kubeconfig",
  type: "string",
  defaultText: "$KUBECONFIG (a list of files), then ~/.kube/config, then the in-cluster service account",
  description: "Kubeconfig of the hub cluster. kubectl passes plugins none of its own flags, so give it here (or use $KUBECONFIG) as you would to kubectl.",
};

const CONTEXT: FlagSpec = {
  name: "context",
  type: "string",
  defaultText: "the kubeconfig's current context",
  description: "Kubeconfig context to use.",
};

const NAMESPACE: FlagSpec = {
  name: "namespace",
  type: "string",
  defaultText: "the context's namespace, else \"default\"",
  description: "Namespace of the Work: the hub namespace of the cluster it goes to (named after the cluster). Short: -n.",
};

const INVENTORY_NAMESPACE: FlagSpec = {
  name: "inventory-namespace",
  type: "string",
  env: "WORK_HUB_INVENTORY_NAMESPACE",
  default: "fleet-system",
  description: "Namespace holding the ClusterProfiles (the hub controller's --inventory-namespace).",
};

const CLUSTER_MANAGER: FlagSpec = {
  name: "cluster-manager-name",
  type: "string",
  defaultText: "every ClusterProfile, whatever its manager",
  description: "Only ClusterProfiles labelled x-k8s.io/cluster-manager=<this> (the hub controller's --cluster-manager-name).",
};

function output(formats: readonly string[]): FlagSpec {
  return {
    name: "output",
    type: "string",
    default: "text",
    description: `Output format: ${formats.join(", ")}. json and yaml print a stable object for scripts, with messages in full. Short: -o.`,
  };
}

/** Flags every command that talks to the hub takes. */
export const GLOBAL_FLAGS: readonly FlagSpec[] = [KUBECONFIG, CONTEXT];

export const STATUS_OUTPUTS = ["text", "json", "yaml"] as const;
export const CLUSTERS_OUTPUTS = ["text", "json", "yaml"] as const;

export const STATUS_FLAGS: readonly FlagSpec[] = [...GLOBAL_FLAGS, NAMESPACE, output(STATUS_OUTPUTS)];
export const CLUSTERS_FLAGS: readonly FlagSpec[] = [...GLOBAL_FLAGS, INVENTORY_NAMESPACE, CLUSTER_MANAGER, output(CLUSTERS_OUTPUTS)];

export const PLUGIN_USAGE = `${PLUGIN} COMMAND [flags]`;
export const PLUGIN_DESCRIPTION =
  "Work API (KEP-6456) plugin for kubectl, run against the hub cluster.\n\n" +
  "Commands:\n" +
  "  status NAME -n CLUSTER   a Work's conditions and a tree of its manifests with theirs\n" +
  "  clusters                 each cluster's health, Kubernetes version and Work counts\n" +
  "  join CLUSTER             print the spoke-side bootstrap of CLUSTER's work-agent\n\n" +
  `Run \`${PLUGIN} COMMAND --help\` for a command's flags. Colours only when stdout is a terminal and\n` +
  "NO_COLOR is unset. Exit codes: 0 done, 1 not found or API error, 2 usage error.";

export const STATUS_USAGE = `${PLUGIN} status NAME -n CLUSTER [-o text|json|yaml] [flags]`;
export const STATUS_DESCRIPTION =
  "Shows the Work NAME in namespace CLUSTER: its generation and age, its conditions (Applied, Progressing,\n" +
  "Available, Degraded) and a tree of its manifests in order, each with the conditions the agent reported\n" +
  "(✓ True, ✗ False, ? Unknown for Applied and Available) and its status feedback values, if any. Manifests\n" +
  "the agent has not reported on yet are shown as pending. Long messages are wrapped to the terminal and\n" +
  "trimmed after three lines; -o yaml shows them whole.";

export const CLUSTERS_USAGE = `${PLUGIN} clusters [--inventory-namespace NS] [-o text|json|yaml] [flags]`;
export const CLUSTERS_DESCRIPTION =
  "Lists the ClusterProfiles of the inventory namespace: their Joined and ControlPlaneHealthy conditions,\n" +
  "Kubernetes version, and the Works in each cluster's hub namespace: how many there are, and how many are\n" +
  "Applied, Available, and failed (Applied=False or Degraded=True). Only conditions computed for a Work's\n" +
  "current generation count. When the Works of a cluster cannot be listed, its counts read ? and the\n" +
  "command exits 1 after printing the table.";

export const JOIN_PLUGIN_USAGE = `${PLUGIN} join CLUSTER [flags] | kubectl --context <spoke> apply -f -`;

/** Long names of the short flags. */
const SHORT: Record<string, string> = { n: "namespace", o: "output" };

/**
 * Rewrites kubectl's short forms into long flags: `-n X`, `-nX`, `-n=X`,
 * `-o json`, `-ojson`, and `-h`. Everything after `--` is left alone.
 */
export function expandShortFlags(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      out.push(...argv.slice(i));
      break;
    }
    if (a === "-h") {
      out.push("--help");
      continue;
    }
    const m = /^-([a-zA-Z])(=?)(.*)$/.exec(a);
    const long = m ? SHORT[m[1]!] : undefined;
    if (m && long !== undefined) {
      out.push(m[3] !== "" || m[2] === "=" ? `--${long}=${m[3]!}` : `--${long}`);
      continue;
    }
    out.push(a);
  }
  return out;
}
