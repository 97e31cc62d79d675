/**
 * `kubectl work clusters`: the ClusterProfiles of the inventory namespace and
 * the Works of each cluster's hub namespace (clusters.ts renders them).
 */
import { ClusterProfileResource, CLUSTER_MANAGER_LABEL, WorkResource, type ClusterProfile, type Work } from "@work-api/api";
import { UsageError, isForbidden, isNotFound, renderHelp, type KubeClient } from "@work-api/runtime";
import { clusterNamespace } from "../names.js";
import { clusterView, renderClustersText, type ClustersView, type WorksResult } from "./clusters.js";
import { CommandError, connect, describeError, givesFlag, outputOf, parse, printObject, useColor, type PluginDeps, type PluginIO } from "./context.js";
import { CLUSTERS_DESCRIPTION, CLUSTERS_FLAGS, CLUSTERS_OUTPUTS, CLUSTERS_USAGE, PLUGIN } from "./flags.js";

/** Work counts come from one LIST per cluster namespace up to this many clusters; past it, from one paginated LIST of all Works. */
export const PER_NAMESPACE_LIST_MAX = 16;
/** LISTs in flight at once. */
export const LIST_CONCURRENCY = 8;
/** Page size of Work LISTs (Works carry whole manifests, so pages stay small). */
export const WORK_PAGE_SIZE = 250;

/** Runs `fn` over `items`, at most `limit` at a time, keeping the order of results. */
async function pooled<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * The Works of each namespace. A 404 on a LIST means the Work API is not
 * served at all (a LIST in a missing namespace is simply empty), which fails
 * the command; other failures are reported for that namespace only.
 */
async function worksByNamespace(client: KubeClient, namespaces: readonly string[], server: string): Promise<Map<string, WorksResult>> {
  const out = new Map<string, WorksResult>();
  const noApi = (): CommandError => new CommandError(`the API server at ${server} serves no ${WorkResource.resource}.${WorkResource.group}: is this the hub?`);
  if (namespaces.length > PER_NAMESPACE_LIST_MAX) {
    try {
      const all = await client.listAll<Work>(WorkResource, { pageSize: WORK_PAGE_SIZE });
      const grouped = new Map<string, Work[]>();
      for (const w of all.items) {
        const ns = w.metadata?.namespace ?? "";
        grouped.set(ns, [...(grouped.get(ns) ?? []), w]);
      }
      for (const ns of namespaces) out.set(ns, { works: grouped.get(ns) ?? [] });
      return out;
    } catch (err) {
      if (isNotFound(err)) throw noApi();
      // Without the right to list Works everywhere, ask namespace by namespace.
      if (!isForbidden(err)) throw err;
    }
  }
  const results = await pooled(namespaces, LIST_CONCURRENCY, async (ns): Promise<WorksResult> => {
    try {
      return { works: (await client.listAll<Work>(WorkResource, { namespace: ns, pageSize: WORK_PAGE_SIZE })).items };
    } catch (err) {
      if (isNotFound(err)) throw noApi();
      return { error: describeError(err, server) };
    }
  });
  namespaces.forEach((ns, i) => out.set(ns, results[i]!));
  return out;
}

export async function runClusters(argv: readonly string[], io: PluginIO, deps: PluginDeps): Promise<number> {
  if (givesFlag(argv, "namespace")) throw new UsageError("clusters reads the ClusterProfiles of --inventory-namespace; -n/--namespace does not apply");
  const { values, positionals, help } = parse(CLUSTERS_FLAGS, argv, io);
  if (help) {
    io.out(renderHelp(CLUSTERS_USAGE, CLUSTERS_DESCRIPTION, CLUSTERS_FLAGS) + "\n");
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`clusters takes no arguments (got "${positionals.join(" ")}")`);
  const format = outputOf(values, CLUSTERS_OUTPUTS);
  const inventoryNamespace = String(values["inventory-namespace"] ?? "fleet-system");
  const manager = values["cluster-manager-name"] === undefined ? undefined : String(values["cluster-manager-name"]);
  const { client, server } = connect(values, io, deps);
  try {
    let profiles: ClusterProfile[];
    try {
      profiles = (
        await client.listAll<ClusterProfile>(ClusterProfileResource, {
          namespace: inventoryNamespace,
          ...(manager !== undefined && manager !== "" ? { labelSelector: `${CLUSTER_MANAGER_LABEL}=${manager}` } : {}),
        })
      ).items;
    } catch (err) {
      if (isNotFound(err)) {
        throw new CommandError(`the API server at ${server} serves no ${ClusterProfileResource.resource}.${ClusterProfileResource.group}: is this the hub?`);
      }
      throw err;
    }
    profiles.sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""));
    const namespaces = [...new Set(profiles.map((p) => clusterNamespace(p.metadata?.name ?? "")))];
    const works = profiles.length > 0 ? await worksByNamespace(client, namespaces, server) : new Map<string, WorksResult>();
    const view: ClustersView = {
      inventoryNamespace,
      clusters: profiles.map((p) => {
        const ns = clusterNamespace(p.metadata?.name ?? "");
        return clusterView(p, ns, works.get(ns) ?? { error: "not listed" });
      }),
    };
    if (format !== "text") printObject(io, format, view);
    else if (view.clusters.length === 0) io.err(`No ClusterProfiles found in namespace ${inventoryNamespace}${manager ? ` with ${CLUSTER_MANAGER_LABEL}=${manager}` : ""}.\n`);
    else io.out(renderClustersText(view, { now: (io.now ?? Date.now)(), color: useColor(io) }));
    const failed = view.clusters.filter((c) => c.worksError !== null);
    for (const c of failed) io.err(`${PLUGIN}: cannot list the Works of cluster ${c.name} (namespace ${c.namespace}): ${c.worksError}\n`);
    return failed.length > 0 ? 1 : 0;
  } catch (err) {
    if (err instanceof CommandError) throw err;
    throw new CommandError(describeError(err, server));
  } finally {
    client.close();
  }
}
