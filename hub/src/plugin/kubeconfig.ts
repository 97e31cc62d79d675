/**
 * Which cluster `kubectl work` talks to, found the way kubectl finds it
 * (kubectl hands plugins none of its own flags or config):
 *
 * 1. `--kubeconfig PATH`: that file, which must exist;
 * 2. else `$KUBECONFIG`: a list of files (":"-separated, ";" on Windows);
 *    missing ones are skipped, and the first file to define a context, cluster
 *    or user (or the current context) wins;
 * 3. else `~/.kube/config`;
 * 4. else the in-cluster service account, when running in a pod.
 *
 * `--context` picks a context (else the current one). The default namespace
 * is the context's, else "default".
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { KubeConfig, type Cluster, type Context, type User } from "@kubernetes/client-node";

/** A kubeconfig problem: reported in one line, exit code 1 (as kubectl does). */
export class KubeconfigError extends Error {
  override readonly name = "KubeconfigError";
}

export interface KubeconfigRequest {
  /** --kubeconfig */
  kubeconfig?: string | undefined;
  /** --context */
  context?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Home directory (default os.homedir()). */
  home?: string;
  /** Service-account directory of the in-cluster fallback. */
  serviceAccountDir?: string;
}

export interface ResolvedKubeconfig {
  kc: KubeConfig;
  /** The context in use. */
  context: string;
  /** The context's namespace, else "default". */
  namespace: string;
  /** Where the configuration came from, for messages. */
  source: string;
}

const SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

function readFile(file: string): KubeConfig {
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === "ENOENT") throw new KubeconfigError(`kubeconfig ${file} does not exist`);
    throw new KubeconfigError(`cannot load kubeconfig ${file}: ${e.message.split("\n")[0] ?? ""}`);
  }
  return kc;
}

/** Merges kubeconfigs with kubectl's rule: the first definition of each name, and the first current context, win. */
export function mergeKubeconfigs(configs: readonly KubeConfig[]): KubeConfig {
  const clusters = new Map<string, Cluster>();
  const users = new Map<string, User>();
  const contexts = new Map<string, Context>();
  let current = "";
  for (const kc of configs) {
    for (const c of kc.getClusters()) if (!clusters.has(c.name)) clusters.set(c.name, c);
    for (const u of kc.getUsers()) if (!users.has(u.name)) users.set(u.name, u);
    for (const x of kc.getContexts()) if (!contexts.has(x.name)) contexts.set(x.name, x);
    if (current === "" && kc.getCurrentContext()) current = kc.getCurrentContext();
  }
  const out = new KubeConfig();
  out.loadFromOptions({ clusters: [...clusters.values()], users: [...users.values()], contexts: [...contexts.values()], currentContext: current });
  return out;
}

function inCluster(dir: string, env: NodeJS.ProcessEnv): boolean {
  return env.KUBERNETES_SERVICE_HOST !== undefined && env.KUBERNETES_SERVICE_HOST !== "" && fs.existsSync(path.join(dir, "token"));
}

export function loadKubeconfig(r: KubeconfigRequest = {}): ResolvedKubeconfig {
  const env = r.env ?? process.env;
  const saDir = r.serviceAccountDir ?? SA_DIR;
  let kc: KubeConfig;
  let source: string;
  let inClusterNamespace: string | undefined;
  if (r.kubeconfig !== undefined && r.kubeconfig !== "") {
    kc = readFile(r.kubeconfig);
    source = r.kubeconfig;
  } else if (env.KUBECONFIG !== undefined && env.KUBECONFIG !== "") {
    const files = env.KUBECONFIG.split(path.delimiter).filter((f) => f !== "");
    const present = files.filter((f) => fs.existsSync(f));
    if (present.length === 0) throw new KubeconfigError(`none of the files in $KUBECONFIG exists (${files.join(path.delimiter)})`);
    kc = present.length === 1 ? readFile(present[0]!) : mergeKubeconfigs(present.map(readFile));
    source = `$KUBECONFIG (${present.join(path.delimiter)})`;
  } else {
    const file = path.join(r.home ?? os.homedir(), ".kube", "config");
    if (fs.existsSync(file)) {
      kc = readFile(file);
      source = file;
    } else if (inCluster(saDir, env)) {
      kc = new KubeConfig();
      kc.loadFromCluster();
      source = "the in-cluster service account";
      try {
        inClusterNamespace = fs.readFileSync(path.join(saDir, "namespace"), "utf8").trim() || undefined;
      } catch {
        inClusterNamespace = undefined;
      }
    } else {
      throw new KubeconfigError(`no kubeconfig: pass --kubeconfig, set $KUBECONFIG, or create ${file}`);
    }
  }
  const contextName = r.context !== undefined && r.context !== "" ? r.context : kc.getCurrentContext();
  if (!contextName) throw new KubeconfigError(`${source} has no current context; pass --context (contexts: ${kc.getContexts().map((c) => c.name).join(", ") || "none"})`);
  const ctx = kc.getContextObject(contextName);
  if (ctx === null) throw new KubeconfigError(`context "${contextName}" not found in ${source}`);
  kc.setCurrentContext(contextName);
  if (kc.getCurrentCluster() === null) throw new KubeconfigError(`context "${contextName}" in ${source} names cluster "${ctx.cluster}", which is not defined`);
  return { kc, context: contextName, namespace: ctx.namespace || inClusterNamespace || "default", source };
}
