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

const GET_NAMESPACE: FlagSpec = {
  name: "namespace",
  type: "string",
  defaultText: "the context's namespace, else \"default\"",
  description: "Namespace to list: the hub namespace of one cluster (named after the cluster). Short: -n.",
};

const ALL_NAMESPACES: FlagSpec = {
  name: "all-namespaces",
  type: "bool",
  default: false,
  description: "List the Works of every namespace, with a NAMESPACE column. Short: -A.",
};

const SELECTOR: FlagSpec = {
  name: "selector",
  type: "string",
  description: "Only Works whose labels match this selector, as kubectl takes it (a=b,c!=d,e in (f,g),!h). Short: -l.",
};

const WATCH: FlagSpec = {
  name: "watch",
  type: "bool",
  default: false,
  description:
    "After printing the status, print it again on every change until Ctrl-C, and exit 0 then, or when the Work is deleted. " +
    "With -o json one JSON document per change, one per line. Short: -w.",
};

const SPOKE_KUBECONFIG: FlagSpec = {
  name: "spoke-kubeconfig",
  type: "string",
  defaultText: "none: print what the agent reported",
  description:
    "Kubeconfig of the managed cluster. The diff then comes from a server-side dry-run apply of each manifest there " +
    "(nothing is written; needs get, list of AppliedWorks and patch on the objects).",
};

const SPOKE_CONTEXT: FlagSpec = {
  name: "spoke-context",
  type: "string",
  defaultText: "the spoke kubeconfig's current context",
  description: "Context of --spoke-kubeconfig to use.",
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
export const GET_OUTPUTS = ["text", "wide", "json", "yaml"] as const;

export const STATUS_FLAGS: readonly FlagSpec[] = [...GLOBAL_FLAGS, NAMESPACE, output(STATUS_OUTPUTS), WATCH];
export const GET_FLAGS: readonly FlagSpec[] = [...GLOBAL_FLAGS, GET_NAMESPACE, ALL_NAMESPACES, SELECTOR, output(GET_OUTPUTS)];
export const DIFF_FLAGS: readonly FlagSpec[] = [...GLOBAL_FLAGS, NAMESPACE, SPOKE_KUBECONFIG, SPOKE_CONTEXT];
/** Flags of commands that take none but --help. */
export const NO_FLAGS: readonly FlagSpec[] = [];
export const CLUSTERS_FLAGS: readonly FlagSpec[] = [...GLOBAL_FLAGS, INVENTORY_NAMESPACE, CLUSTER_MANAGER, output(CLUSTERS_OUTPUTS)];

export const PLUGIN_USAGE = `${PLUGIN} COMMAND [flags]`;
export const PLUGIN_DESCRIPTION =
  "Work API (KEP-6456) plugin for kubectl, run against the hub cluster.\n\n" +
  "Commands:\n" +
  "  status NAME -n CLUSTER   a Work's conditions and a tree of its manifests with theirs (-w: follow it)\n" +
  "  diff NAME -n CLUSTER     per manifest, the Work against the live object (as kubectl diff)\n" +
  "  get [-n CLUSTER | -A]    Works at a glance: their conditions, applied manifests, the first failing one\n" +
  "  clusters                 each cluster's health, Kubernetes version and Work counts\n" +
  "  join CLUSTER             print the spoke-side bootstrap of CLUSTER's work-agent\n" +
  "  completion SHELL         print a shell completion script (bash, zsh, fish)\n" +
  "  version                  print the version and the git commit it was built from (also --version)\n\n" +
  `Run \`${PLUGIN} COMMAND --help\` for a command's flags. Colours only when stdout is a terminal and\n` +
  "NO_COLOR is unset. Exit codes: 0 done, 1 not found or API error, 2 usage error (diff: as kubectl diff).";

export const STATUS_USAGE = `${PLUGIN} status NAME -n CLUSTER [-o text|json|yaml] [-w] [flags]`;
export const STATUS_DESCRIPTION =
  "Shows the Work NAME in namespace CLUSTER: its generation and age, its conditions (Applied, Progressing,\n" +
  "Available, Degraded) and a tree of its manifests in order, each with the conditions the agent reported\n" +
  "(✓ True, ✗ False, ? Unknown for Applied, Available, StatusFeedbackSynced and the conditions that\n" +
  "manifestConfigs conditionRules set) and its status feedback values, if any. Manifests\n" +
  "the agent has not reported on yet are shown as pending. Long messages are wrapped to the terminal and\n" +
  "trimmed after three lines; -o yaml shows them whole.\n\n" +
  "With -w (--watch) it keeps watching the Work and prints the status again whenever it changes (its spec,\n" +
  "status or deletion; not a label or annotation edit), after a line with the time, until Ctrl-C; then it\n" +
  "exits 0. A Work deleted meanwhile is reported, and the command exits 0. The watch reconnects by itself\n" +
  "when it ends or its resourceVersion expires (410).";

export const DIFF_USAGE = `${PLUGIN} diff NAME -n CLUSTER [--spoke-kubeconfig FILE [--spoke-context CTX]] [flags]`;
export const DIFF_DESCRIPTION =
  "Prints, per manifest of the Work NAME in namespace CLUSTER, the difference between the Work and the live\n" +
  "object on the managed cluster, as a unified diff (live/... against work/...), as kubectl diff does.\n\n" +
  "With --spoke-kubeconfig each manifest is built as the agent builds it (its label, the AppliedWork owner, the\n" +
  "record annotation, the fields serverSideApply.ignoreFields leaves to the spoke) and server-side applied there\n" +
  "with dryRun=All under the Work's field manager: the diff shows what the agent's next apply would change,\n" +
  "field removals included. ReadOnly and ReportDiff manifests (never written) and Works not applied yet are\n" +
  "dry-run as the manifest alone. managedFields, resourceVersion and generation are not compared. Nothing is written.\n\n" +
  "Without --spoke-kubeconfig (the hub cannot reach the spoke) it prints what the agent reported: each ReportDiff\n" +
  "manifest's diffDetails and the last drift the agent reverted (driftDetails), with paths and field managers.\n\n" +
  "Exit codes as kubectl diff: 0 no differences, 1 differences found, 2 usage error, 3 a failure (the Work or a\n" +
  "kubeconfig not found, an API error, a manifest that could not be diffed; the others are still printed).";

export const GET_USAGE = `${PLUGIN} get [NAME...] [-n CLUSTER | -A] [-l SELECTOR] [-o text|wide|json|yaml] [flags]`;
export const GET_DESCRIPTION =
  "Lists Works (the named ones, else all of the namespace, or of every namespace with -A) one per line:\n" +
  "the status of their Applied, Available and Degraded conditions, how many of their manifests are applied\n" +
  "(MANIFESTS), the first failing manifest (Applied=False or Degraded=True) as `ordinal kind/name: reason`\n" +
  "with the number of others (FAILING), and their age. A status marked * was computed for an older\n" +
  "generation of the Work (the agent has not caught up yet). -o wide adds Progressing and the generation and\n" +
  "lists every failing manifest; -o json|yaml print every failing manifest with its message.\n" +
  `\`${PLUGIN} status NAME -n CLUSTER\` shows one Work in full.`;

export const COMPLETION_USAGE = `${PLUGIN} completion bash|zsh|fish`;
export const COMPLETION_DESCRIPTION =
  "Prints a script that completes the commands, flags and Work names of kubectl-work in that shell:\n\n" +
  "  bash:  source <(kubectl-work completion bash)      # e.g. in ~/.bashrc\n" +
  "  zsh:   source <(kubectl-work completion zsh)       # after compinit\n" +
  "  fish:  kubectl-work completion fish | source\n\n" +
  "For `kubectl work <TAB>`, kubectl (v1.26 or later, with its own completion loaded) asks the executable\n" +
  "kubectl_complete-work, which ships beside kubectl-work: put both on PATH and nothing else is needed.\n" +
  "Both ask `kubectl-work __complete ARGS...`, which lists Works and namespaces from the hub.";
export const CLUSTERS_USAGE = `${PLUGIN} clusters [--inventory-namespace NS] [-o text|json|yaml] [flags]`;
export const CLUSTERS_DESCRIPTION =
  "Lists the ClusterProfiles of the inventory namespace: their Joined and ControlPlaneHealthy conditions,\n" +
  "Kubernetes version, and the Works in each cluster's hub namespace: how many there are, and how many are\n" +
  "Applied, Available, and failed (Applied=False or Degraded=True). Only conditions computed for a Work's\n" +
  "current generation count. When the Works of a cluster cannot be listed, its counts read ? and the\n" +
  "command exits 1 after printing the table.";

export const JOIN_PLUGIN_USAGE = `${PLUGIN} join CLUSTER [flags] | kubectl --context <spoke> apply -f -`;

/** Long names of the short flags that take a value. */
const SHORT: Record<string, string> = { n: "namespace", o: "output", l: "selector" };
/** Long names of the short boolean flags (they may be grouped: `-Aw`). */
const SHORT_BOOL: Record<string, string> = { A: "all-namespaces", w: "watch" };

/**
 * Rewrites kubectl's short forms into long flags: `-n X`, `-nX`, `-n=X`,
 * `-o json`, `-ojson`, `-l a=b`, `-A`, `-w` and `-h`. Everything after `--`
 * is left alone.
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
    const bool = m ? SHORT_BOOL[m[1]!] : undefined;
    if (m && bool !== undefined) {
      const grouped = [...m[3]!].map((c) => SHORT_BOOL[c]);
      if (m[2] === "=") out.push(`--${bool}=${m[3]!}`);
      else if (grouped.every((g) => g !== undefined)) out.push(`--${bool}`, ...grouped.map((g) => `--${g}`));
      else out.push(a);
      continue;
    }
    const long = m ? SHORT[m[1]!] : undefined;
    if (m && long !== undefined) {
      out.push(m[3] !== "" || m[2] === "=" ? `--${long}=${m[3]!}` : `--${long}`);
      continue;
    }
    out.push(a);
  }
  return out;
}
