/**
 * `kubectl work __complete ARGS...` (hidden; what kubectl_complete-work and
 * the completion scripts run): the hub-backed lookups of complete.ts. Each is
 * one LIST of metadata only (PartialObjectMetadataList: no Work manifests on
 * the wire), with a short timeout and no retry; anything that fails reads as
 * no candidates, since a completion must never print an error.
 */
import { KubeClient, ensureError } from "@work-api/runtime";
import { USER_AGENT_COMPLETE, type PluginDeps, type PluginIO } from "./context.js";
import { COMMANDS, LOOKUP_PATHS, complete, renderCompletions, typedArgs, type CompletionSource } from "./complete.js";
import { loadKubeconfig, type ResolvedKubeconfig } from "./kubeconfig.js";

/** How long one lookup may take. */
export const LOOKUP_TIMEOUT_MS = 3_000;
/** At most this many names per lookup. */
export const LOOKUP_LIMIT = 1_000;

const METADATA_LIST = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";

/** A source connected with the --kubeconfig and --context of `words` (or $KUBECONFIG); lazily, once. */
export function hubSource(words: readonly string[], io: PluginIO, deps: PluginDeps): CompletionSource & { close(): void } {
  const cmd = COMMANDS.find((c) => c.name === words[0]);
  const { values } = typedArgs(cmd?.flags ?? [], words.slice(1, -1));
  const str = (k: string): string | undefined => (typeof values[k] === "string" && values[k] !== "" ? String(values[k]) : undefined);
  let conn: { cfg: ResolvedKubeconfig; client: KubeClient } | null | undefined;
  const connection = (): { cfg: ResolvedKubeconfig; client: KubeClient } | null => {
    if (conn !== undefined) return conn;
    try {
      const cfg = loadKubeconfig({ kubeconfig: str("kubeconfig"), context: str("context"), env: io.env });
      conn = { cfg, client: KubeClient.fromKubeConfig(cfg.kc, { userAgent: USER_AGENT_COMPLETE, maxRetries: 0, timeoutMs: LOOKUP_TIMEOUT_MS, ...deps.clientOptions }) };
    } catch {
      conn = null;
    }
    return conn;
  };
  const namesAt = async (path: (c: ResolvedKubeconfig) => string): Promise<string[]> => {
    const c = connection();
    if (c === null) return [];
    try {
      const list = await c.client.request<{ items?: { metadata?: { name?: string } }[] }>("GET", path(c.cfg), {
        accept: METADATA_LIST,
        query: { limit: LOOKUP_LIMIT },
        maxRetries: 0,
        timeoutMs: LOOKUP_TIMEOUT_MS,
      });
      return (list.items ?? []).map((i) => i.metadata?.name ?? "").filter((n) => n !== "");
    } catch (err) {
      if (io.env.KUBECTL_WORK_COMPLETE_DEBUG) io.err(`__complete: ${ensureError(err).message}\n`);
      return [];
    }
  };
  return {
    works: (namespace) => namesAt((cfg) => LOOKUP_PATHS.works(namespace ?? cfg.namespace)),
    namespaces: () => namesAt(() => LOOKUP_PATHS.namespaces()),
    clusters: (inventory) => namesAt(() => LOOKUP_PATHS.clusters(inventory)),
    contexts: async () => {
      try {
        // Every context of the kubeconfig, whichever is current (the typed --context may be a prefix).
        return loadKubeconfig({ kubeconfig: str("kubeconfig"), env: io.env }).kc.getContexts().map((c) => c.name);
      } catch {
        return [];
      }
    },
    close: () => {
      if (conn) conn.client.close();
    },
  };
}

export async function runComplete(words: readonly string[], io: PluginIO, deps: PluginDeps): Promise<number> {
  // kubectl passes the word being completed last, "" for a new one; called without, complete a new word.
  const args = words.length > 0 ? words : [""];
  const source = hubSource(args, io, deps);
  try {
    io.out(renderCompletions(await complete(args, source)));
  } finally {
    source.close();
  }
  return 0;
}
