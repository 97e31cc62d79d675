/**
 * `kubectl work __complete ARGS... WORD` (hidden): the completions of WORD,
 * the last argument ("" for a new word), after the arguments typed before it,
 * in the protocol of Cobra that kubectl speaks to plugins (v1.26+, through
 * the executable kubectl_complete-work): one candidate a line, optionally
 * `value<TAB>description`, then `:<directive>` (a bit set, below). The shell
 * scripts of completion-scripts.ts speak it too.
 *
 * Commands, their flags and fixed flag values come from the flag tables;
 * Work names, namespaces and cluster names from the hub, with the
 * --kubeconfig/--context/--namespace typed so far, in one quick LIST each
 * (metadata only). A failed lookup completes nothing; it never prints an error.
 */
import { ClusterProfileResource, WorkResource } from "@work-api/api";
import { resourcePath, type FlagSpec, type FlagValues } from "@work-api/runtime";
import { JOIN_FLAGS } from "../config.js";
import { CLUSTERS_FLAGS, CLUSTERS_OUTPUTS, GET_FLAGS, GET_OUTPUTS, NO_FLAGS, STATUS_FLAGS, STATUS_OUTPUTS, expandShortFlags, DIFF_FLAGS } from "./flags.js";

/** Cobra's ShellCompDirective bits. */
export const Directive = { Default: 0, Error: 1, NoSpace: 2, NoFileComp: 4, FilterFileExt: 8, FilterDirs: 16, KeepOrder: 32 } as const;

export interface Candidate {
  value: string;
  description?: string;
}

export interface Completions {
  candidates: Candidate[];
  directive: number;
}

/** Lookups on the hub, connected with the flags typed so far. Each resolves to [] when it cannot tell. */
export interface CompletionSource {
  /** Names of the Works in `namespace` (undefined: the context's namespace). */
  works(namespace: string | undefined): Promise<string[]>;
  namespaces(): Promise<string[]>;
  /** Names of the ClusterProfiles in the inventory namespace. */
  clusters(inventoryNamespace: string): Promise<string[]>;
  contexts(): Promise<string[]>;
}

type Positional = "work" | "works" | "cluster" | "shell" | "command" | "none";

interface CommandSpec {
  name: string;
  description: string;
  flags: readonly FlagSpec[];
  positional: Positional;
  outputs?: readonly string[];
}

export const COMMANDS: readonly CommandSpec[] = [
  { name: "status", description: "a Work's conditions and manifests (-w: follow it)", flags: STATUS_FLAGS, positional: "work", outputs: STATUS_OUTPUTS },
  { name: "diff", description: "the Work against the live objects (a server-side dry-run)", flags: DIFF_FLAGS, positional: "work" },
  { name: "get", description: "Works at a glance", flags: GET_FLAGS, positional: "works", outputs: GET_OUTPUTS },
  { name: "clusters", description: "each cluster's health, version and Work counts", flags: CLUSTERS_FLAGS, positional: "none", outputs: CLUSTERS_OUTPUTS },
  { name: "join", description: "print the spoke-side bootstrap of a cluster's agent", flags: JOIN_FLAGS, positional: "cluster" },
  { name: "completion", description: "print a shell completion script", flags: NO_FLAGS, positional: "shell" },
  { name: "version", description: "print the version and git commit", flags: NO_FLAGS, positional: "none" },
  { name: "help", description: "help for a command", flags: NO_FLAGS, positional: "command" },
];

export const SHELLS = ["bash", "zsh", "fish"] as const;

/** kubectl's short spellings, by long name. */
const SHORTS: Record<string, string> = { namespace: "-n", output: "-o", selector: "-l", "all-namespaces": "-A", watch: "-w" };

/** Fixed values of flags, by flag name (output is per command). */
const FIXED_VALUES: Record<string, readonly string[]> = { "executor-rbac": ["default", "cluster-admin", "none"], print: ["manifests", "kubeconfig"] };

const HELP_FLAG: FlagSpec = { name: "help", type: "bool", description: "Show the help." };

function takesValue(spec: FlagSpec | undefined): boolean {
  return spec !== undefined && spec.type !== "bool";
}

function firstSentence(text: string): string {
  const s = text.split(/(?<=\.)\s/)[0] ?? text;
  return s.length > 80 ? s.slice(0, 79) + "…" : s;
}

/** The flags and positionals typed before the word being completed (lenient: unknown flags are skipped). */
export function typedArgs(specs: readonly FlagSpec[], words: readonly string[]): { values: FlagValues; positionals: string[] } {
  const values: FlagValues = {};
  const positionals: string[] = [];
  const expanded = expandShortFlags(words);
  for (let i = 0; i < expanded.length; i++) {
    const w = expanded[i]!;
    if (w === "--") {
      positionals.push(...expanded.slice(i + 1));
      break;
    }
    const m = /^--([^=]+)(?:=(.*))?$/.exec(w);
    if (m === null) {
      positionals.push(w);
      continue;
    }
    const spec = specs.find((s) => s.name === m[1]);
    if (m[2] !== undefined) values[m[1]!] = m[2];
    else if (takesValue(spec)) values[m[1]!] = expanded[++i] ?? "";
    else values[m[1]!] = true;
  }
  return { values, positionals };
}

function matching(cands: readonly Candidate[], prefix: string): Candidate[] {
  return cands.filter((c) => c.value.startsWith(prefix));
}

function names(list: readonly string[], prefix: string, exclude: readonly string[] = []): Candidate[] {
  return matching(
    [...new Set(list)].filter((n) => !exclude.includes(n)).sort().map((value) => ({ value })),
    prefix,
  );
}

async function flagValues(cmd: CommandSpec, flag: string, prefix: string, source: CompletionSource): Promise<Completions> {
  const done = (candidates: Candidate[]): Completions => ({ candidates, directive: Directive.NoFileComp });
  if (flag === "kubeconfig" || flag === "spoke-kubeconfig") return { candidates: [], directive: Directive.Default };
  if (flag === "output") return done(names(cmd.outputs ?? [], prefix));
  if (flag in FIXED_VALUES) return done(names(FIXED_VALUES[flag]!, prefix));
  if (flag === "context") return done(names(await source.contexts(), prefix));
  if (flag === "namespace" || flag === "inventory-namespace") return done(names(await source.namespaces(), prefix));
  return done([]);
}

/** Completes `words` (the arguments after `kubectl work`, the last one being completed). */
export async function complete(words: readonly string[], source: CompletionSource): Promise<Completions> {
  const cur = words.length > 0 ? words[words.length - 1]! : "";
  const before = words.slice(0, -1);
  const noFiles = (candidates: Candidate[]): Completions => ({ candidates, directive: Directive.NoFileComp });
  if (before.length === 0) {
    if (cur.startsWith("-")) return noFiles(matching([{ value: "--help", description: "show the help" }, { value: "--version", description: "print the version" }], cur));
    return noFiles(matching(COMMANDS.map((c) => ({ value: c.name, description: c.description })), cur));
  }
  const cmd = COMMANDS.find((c) => c.name === before[0]);
  if (cmd === undefined) return noFiles([]);
  const { values, positionals } = typedArgs(cmd.flags, before.slice(1));
  const afterDashes = before.includes("--");
  // --flag=value: the value, completed without the "--flag=" (the shells put it back).
  const eq = afterDashes ? null : /^--([^=]+)=(.*)$/.exec(expandShortFlags([cur])[0] ?? cur);
  if (eq !== null) return flagValues(cmd, eq[1]!, eq[2]!, source);
  // The value of the flag just before.
  const prev = expandShortFlags(before.slice(1)).at(-1);
  const prevFlag = prev !== undefined && !afterDashes ? /^--([^=]+)$/.exec(prev)?.[1] : undefined;
  if (prevFlag !== undefined && takesValue(cmd.flags.find((f) => f.name === prevFlag))) return flagValues(cmd, prevFlag, cur, source);
  if (cur.startsWith("-") && !afterDashes) {
    const all: Candidate[] = [];
    for (const f of [...cmd.flags, HELP_FLAG]) {
      all.push({ value: `--${f.name}`, description: firstSentence(f.description) });
      const short = SHORTS[f.name] ?? (f.name === "help" ? "-h" : undefined);
      if (short !== undefined) all.push({ value: short, description: firstSentence(f.description) });
    }
    return noFiles(matching(all, cur));
  }
  const str = (k: string): string | undefined => (typeof values[k] === "string" && values[k] !== "" ? String(values[k]) : undefined);
  switch (cmd.positional) {
    case "work":
      return noFiles(positionals.length > 0 ? [] : names(await source.works(str("namespace")), cur));
    case "works":
      return noFiles(values["all-namespaces"] === true || str("selector") !== undefined ? [] : names(await source.works(str("namespace")), cur, positionals));
    case "cluster":
      return noFiles(positionals.length > 0 ? [] : names(await source.clusters(str("inventory-namespace") ?? "fleet-system"), cur));
    case "shell":
      return noFiles(positionals.length > 0 ? [] : names(SHELLS, cur));
    case "command":
      return noFiles(positionals.length > 0 ? [] : names(COMMANDS.map((c) => c.name), cur));
    default:
      return noFiles([]);
  }
}

/** The lines `__complete` prints. */
export function renderCompletions(c: Completions): string {
  const clean = (s: string): string => s.replace(/[\t\n\r]/g, " ");
  const lines = c.candidates.map((x) => (x.description !== undefined && x.description !== "" ? `${clean(x.value)}\t${clean(x.description)}` : clean(x.value)));
  return [...lines, `:${c.directive}`].join("\n") + "\n";
}

/** Paths of the metadata-only LISTs the hub-backed lookups send. */
export const LOOKUP_PATHS = {
  works: (namespace: string): string => resourcePath(WorkResource, { namespace }),
  clusters: (namespace: string): string => resourcePath(ClusterProfileResource, { namespace }),
  namespaces: (): string => "/api/v1/namespaces",
};
