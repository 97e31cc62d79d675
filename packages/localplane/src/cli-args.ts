/**
 * Command-line parsing and help for `localplane` (no side effects, so it is
 * unit tested).
 */
import { parseArgs } from "node:util";
import { UsageError } from "./errors.js";
import { parseClusterSpec, validateClusterSpecs, type ClusterSpec } from "./names.js";
import { DEFAULT_CLUSTERSET } from "./properties.js";

export const DEFAULT_DIR = ".localplane";

export type Command =
  | { kind: "help"; topic?: string }
  | { kind: "version" }
  | {
      kind: "up";
      dir: string;
      clusters: ClusterSpec[];
      binDir?: string;
      crdsDir?: string;
      clusterSet: string;
      clean: boolean;
      timeoutSeconds?: number;
      nodes?: number;
    }
  | { kind: "down"; dir: string; clean: boolean }
  | { kind: "status"; dir: string; json: boolean }
  | { kind: "kubeconfig"; dir: string; name: string }
  | { kind: "freeze" | "thaw"; dir: string; name: string; component: string };

const DIR_HELP = `  --dir DIR          plane dir holding one sub-dir per cluster (default ${DEFAULT_DIR})`;

export const HELP: Record<string, string> = {
  main: `localplane - local Kubernetes control planes (etcd + kube-apiserver + kube-controller-manager)

Usage:
  localplane up NAME[:ROLE]... [flags]   start clusters in the foreground; Ctrl-C stops them
  localplane down [flags]                stop the clusters started from a plane dir
  localplane status [flags]              show the clusters of a plane dir and what runs
  localplane kubeconfig NAME [flags]     print the kubeconfig path of a cluster
  localplane freeze NAME COMPONENT       SIGSTOP one process of a running cluster (a hung server)
  localplane thaw NAME COMPONENT         SIGCONT it again
  localplane help [COMMAND]              help for a command (or: localplane COMMAND --help)
  localplane --version                   print the version and the git commit it was built from

Each cluster gets an admin kubeconfig at DIR/NAME/kubeconfig (context, cluster
and user named NAME; static bearer token of user localplane-admin in group
system:masters). Data is kept between runs (warm start) unless --clean is given.
Binaries come from --bin-dir, then $LOCALPLANE_BIN_DIR, then the cache that
\`make build\` fills.
`,
  up: `Usage: localplane up NAME[:ROLE]... [flags]

Starts the named clusters and stays in the foreground. A name starting with
"hub" gets the hub role unless a role is given (NAME:hub or NAME:spoke); all
others are spokes. Hubs get the Work, ClusterProfile, PlacementDecision (and
WorkPlacement) CRDs; spokes get AppliedWork and ClusterProperty, plus the
properties cluster.clusterset.k8s.io=NAME and clusterset.k8s.io=CLUSTERSET.
On SIGINT/SIGTERM every process it started is stopped and it exits 0.

Flags:
${DIR_HELP}
  --bin-dir DIR      dir with etcd, kube-apiserver, kube-controller-manager
                     (default $LOCALPLANE_BIN_DIR, then ~/.cache/work-api-ts/bin/current)
  --crds-dir DIR     dir with the CRD YAML files (default $LOCALPLANE_CRDS_DIR,
                     then crds/ at the repository root)
  --clusterset NAME  ClusterSet name written on spokes (default ${DEFAULT_CLUSTERSET})
  --clean            delete the clusters' data first (cold start; default false)
  --nodes N          fake nodes per spoke (kwok + kube-scheduler: pods are scheduled and
                     become Ready; no container runs); 0 for none (default 3)
  --timeout SECONDS  start-up budget per cluster (default 120, 180 with 3+ clusters)
  -h, --help         this help
`,
  down: `Usage: localplane down [flags]

Stops every process recorded in the plane dir's pid files (asking the
\`localplane up\` that started them first). Data is kept unless --clean.

Flags:
${DIR_HELP}
  --clean            delete the plane dir afterwards (default false)
  -h, --help         this help
`,
  status: `Usage: localplane status [flags]

Lists the clusters of a plane dir: role, whether all of their processes run,
server URL and kubeconfig path.

Flags:
${DIR_HELP}
  --json             print JSON instead of a table (default false)
  -h, --help         this help
`,
  kubeconfig: `Usage: localplane kubeconfig NAME [flags]

Prints the path of cluster NAME's kubeconfig, e.g.
  kubectl --kubeconfig "$(localplane kubeconfig hub)" get ns

Flags:
${DIR_HELP}
  -h, --help         this help
`,
  freeze: `Usage: localplane freeze NAME COMPONENT [flags]

Sends SIGSTOP to one process of cluster NAME (COMPONENT: etcd, kube-apiserver,
kube-controller-manager, kube-scheduler or kwok), found in its pids.json. The
process keeps its sockets open and answers nothing: clients see a hung server
and half-open connections. \`localplane thaw\` resumes it. (Stopping and
restarting one component on the same data is in the library: see the README.)

Flags:
${DIR_HELP}
  -h, --help         this help
`,
  thaw: `Usage: localplane thaw NAME COMPONENT [flags]

Sends SIGCONT to a process \`localplane freeze\` stopped.

Flags:
${DIR_HELP}
  -h, --help         this help
`,
};

const COMMANDS = ["up", "down", "status", "kubeconfig", "freeze", "thaw", "help", "version"] as const;

function parse(args: string[], options: NonNullable<Parameters<typeof parseArgs>[0]>["options"]): ReturnType<typeof parseArgs> {
  try {
    return parseArgs({ args, options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err), { cause: err });
  }
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

export function parseCli(argv: readonly string[]): Command {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === "-h" || cmd === "--help") return { kind: "help" };
  if (cmd === "--version" || cmd === "version") {
    if (rest.length > 0) throw new UsageError(`--version takes no arguments (got "${rest.join(" ")}")`);
    return { kind: "version" };
  }
  if (!(COMMANDS as readonly string[]).includes(cmd)) throw new UsageError(`unknown command "${cmd}" (try: localplane --help)`);
  if (cmd === "help") return { kind: "help", topic: rest[0] };

  const dirOpt = { dir: { type: "string" as const, default: DEFAULT_DIR } };
  switch (cmd) {
    case "up": {
      const { values: v, positionals } = parse(rest, {
        ...dirOpt,
        "bin-dir": { type: "string" },
        "crds-dir": { type: "string" },
        clusterset: { type: "string", default: DEFAULT_CLUSTERSET },
        clean: { type: "boolean", default: false },
        timeout: { type: "string" },
        nodes: { type: "string" },
      });
      if (v.help) return { kind: "help", topic: "up" };
      if (positionals.length === 0) throw new UsageError("up: give at least one cluster name, e.g. `localplane up hub spoke1 spoke2`");
      const clusters = positionals.map(parseClusterSpec);
      validateClusterSpecs(clusters);
      let timeoutSeconds: number | undefined;
      if (v.timeout !== undefined) {
        timeoutSeconds = Number(v.timeout);
        if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) throw new UsageError(`--timeout: not a positive number of seconds: ${String(v.timeout)}`);
      }
      let nodes: number | undefined;
      if (v.nodes !== undefined) {
        nodes = Number(v.nodes);
        if (!Number.isInteger(nodes) || nodes < 0 || nodes > 100) throw new UsageError(`--nodes: not a whole number from 0 to 100: ${String(v.nodes)}`);
      }
      return {
        kind: "up",
        dir: str(v.dir) ?? DEFAULT_DIR,
        clusters,
        binDir: str(v["bin-dir"]),
        crdsDir: str(v["crds-dir"]),
        clusterSet: str(v.clusterset) ?? DEFAULT_CLUSTERSET,
        clean: v.clean === true,
        timeoutSeconds,
        ...(nodes !== undefined ? { nodes } : {}),
      };
    }
    case "down": {
      const { values: v, positionals } = parse(rest, { ...dirOpt, clean: { type: "boolean", default: false } });
      if (v.help) return { kind: "help", topic: "down" };
      if (positionals.length > 0) throw new UsageError(`down: unexpected argument "${positionals[0] ?? ""}"`);
      return { kind: "down", dir: str(v.dir) ?? DEFAULT_DIR, clean: v.clean === true };
    }
    case "status": {
      const { values: v, positionals } = parse(rest, { ...dirOpt, json: { type: "boolean", default: false } });
      if (v.help) return { kind: "help", topic: "status" };
      if (positionals.length > 0) throw new UsageError(`status: unexpected argument "${positionals[0] ?? ""}"`);
      return { kind: "status", dir: str(v.dir) ?? DEFAULT_DIR, json: v.json === true };
    }
    case "freeze":
    case "thaw": {
      const { values: v, positionals } = parse(rest, dirOpt);
      if (v.help) return { kind: "help", topic: cmd };
      if (positionals.length !== 2) throw new UsageError(`${cmd}: give a cluster name and a component, e.g. \`localplane ${cmd} hub kube-apiserver\``);
      return { kind: cmd, dir: str(v.dir) ?? DEFAULT_DIR, name: positionals[0] ?? "", component: positionals[1] ?? "" };
    }
    default: {
      const { values: v, positionals } = parse(rest, dirOpt);
      if (v.help) return { kind: "help", topic: "kubeconfig" };
      if (positionals.length !== 1) throw new UsageError("kubeconfig: give exactly one cluster name");
      return { kind: "kubeconfig", dir: str(v.dir) ?? DEFAULT_DIR, name: positionals[0] ?? "" };
    }
  }
}

export function helpText(topic?: string): string {
  if (topic === undefined) return HELP.main ?? "";
  const t = HELP[topic];
  if (t === undefined) throw new UsageError(`no help for "${topic}" (commands: up, down, status, kubeconfig, freeze, thaw)`);
  return t;
}
