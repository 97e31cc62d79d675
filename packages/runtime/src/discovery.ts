/**
 * RestMapper: resolves (apiVersion, kind) to the REST resource that serves
 * it, from API discovery. Aggregated discovery (/api and /apis with the
 * apidiscovery.k8s.io/v2 media type, one request each) is used when the
 * server offers it; otherwise the group-version document is fetched per
 * requested group-version.
 *
 * Results are cached. A miss triggers a refresh, at most once per
 * `minRefreshIntervalMs`, then a {@link NoKindMatchError}. Call
 * `invalidate()` when a CRD becomes Established to look again at once.
 */
import type { KubeClient } from "./client.js";
import { isNotFound } from "./errors.js";
import { groupVersionPath, parseApiVersion, type ResourceRef } from "./paths.js";

/** A resolved mapping; `kind` is always set. */
export type RestMapping = ResourceRef & { kind: string };

/** No resource serves the kind (unknown group-version or kind). */
export class NoKindMatchError extends Error {
  override readonly name = "NoKindMatchError";
  constructor(
    readonly apiVersion: string,
    readonly kind: string,
  ) {
    super(`no matches for kind "${kind}" in version "${apiVersion}"`);
  }
}

/** Options of {@link RestMapper}. */
export interface RestMapperOptions {
  /** Least time between two refreshes caused by misses. Default 3 s. */
  minRefreshIntervalMs?: number;
  /** Clock, for tests. Default Date.now. */
  now?: () => number;
}

const AGGREGATED_ACCEPT =
  "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";

interface AggregatedList {
  kind?: string;
  items?: {
    metadata?: { name?: string };
    versions?: {
      version: string;
      resources?: { resource: string; responseKind?: { kind?: string }; scope?: string }[];
    }[];
  }[];
}

interface ResourceList {
  resources?: { name: string; kind: string; namespaced: boolean }[];
}

/** Cached (apiVersion, kind) → resource resolution. */
export class RestMapper {
  private readonly client: KubeClient;
  private readonly minRefreshIntervalMs: number;
  private readonly now: () => number;
  /** groupVersion → kind → mapping; a present empty map = known group-version without that kind. */
  private readonly byGv = new Map<string, Map<string, RestMapping>>();
  private aggregated: boolean | undefined;
  private lastRefresh = new Map<string, number>();
  /** group → served versions, preferred first (from discovery). */
  private readonly versionsOf = new Map<string, string[]>();
  private inflight = new Map<string, Promise<void>>();

  constructor(client: KubeClient, opts: RestMapperOptions = {}) {
    this.client = client;
    this.minRefreshIntervalMs = opts.minRefreshIntervalMs ?? 3000;
    this.now = opts.now ?? Date.now;
  }

  /** The resource for `apiVersion`/`kind`, refreshing discovery on a miss (rate-limited). */
  async resolve(apiVersion: string, kind: string): Promise<RestMapping> {
    const hit = this.byGv.get(apiVersion)?.get(kind);
    if (hit !== undefined) return hit;
    // Refresh unless the relevant discovery data was fetched very recently.
    const last = this.lastRefresh.get(this.aggregated === false ? apiVersion : "*");
    if (last === undefined || this.now() - last >= this.minRefreshIntervalMs) await this.refresh(apiVersion);
    const found = this.byGv.get(apiVersion)?.get(kind);
    if (found === undefined) throw new NoKindMatchError(apiVersion, kind);
    return found;
  }

  /**
   * The preferred served version of `group`/`kind`: what prune and delete use,
   * so an object applied under a version no longer served is still found.
   * Refreshes discovery on a miss (rate-limited), then throws NoKindMatchError.
   */
  async resolveGroupKind(group: string, kind: string): Promise<RestMapping> {
    const hit = this.lookupGroupKind(group, kind);
    if (hit !== undefined) return hit;
    const last = this.lastRefresh.get(`group:${group}`);
    if (last === undefined || this.now() - last >= this.minRefreshIntervalMs) {
      this.lastRefresh.set(`group:${group}`, this.now());
      if (this.aggregated !== false) await this.refresh(group === "" ? "v1" : `${group}/v1`);
      if (this.aggregated === false) await this.refreshGroup(group);
    }
    const found = this.lookupGroupKind(group, kind);
    if (found === undefined) throw new NoKindMatchError(group === "" ? "v1" : `${group}/*`, kind);
    return found;
  }

  private lookupGroupKind(group: string, kind: string): RestMapping | undefined {
    for (const v of this.versionsOf.get(group) ?? []) {
      const m = this.byGv.get(group === "" ? v : `${group}/${v}`)?.get(kind);
      if (m !== undefined) return m;
    }
    return undefined;
  }

  /** Versions of one group (non-aggregated servers): /api or /apis/{group}, then each version's resources. */
  private async refreshGroup(group: string): Promise<void> {
    try {
      const doc = await this.client.request<{ versions?: (string | { version?: string })[]; preferredVersion?: { version?: string } }>("GET", group === "" ? "/api" : `/apis/${group}`);
      const all = (doc?.versions ?? []).map((v) => (typeof v === "string" ? v : (v.version ?? ""))).filter((v) => v !== "");
      const pref = doc?.preferredVersion?.version;
      const ordered = pref !== undefined ? [pref, ...all.filter((v) => v !== pref)] : all;
      this.versionsOf.set(group, ordered);
      for (const v of ordered) await this.refreshGroupVersion(group === "" ? v : `${group}/${v}`);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      this.versionsOf.set(group, []);
    }
  }

  /** Resolves the resource of an object from its apiVersion and kind. */
  resolveObject(obj: { apiVersion?: string; kind?: string }): Promise<RestMapping> {
    if (obj.apiVersion === undefined || obj.apiVersion === "" || obj.kind === undefined || obj.kind === "") {
      return Promise.reject(new Error("object has no apiVersion or kind"));
    }
    return this.resolve(obj.apiVersion, obj.kind);
  }

  /** Forgets everything and lifts the refresh rate limit (e.g. after a CRD became Established). */
  invalidate(): void {
    this.byGv.clear();
    this.versionsOf.clear();
    this.lastRefresh.clear();
  }

  private refresh(apiVersion: string): Promise<void> {
    const scope = this.aggregated === false ? apiVersion : "*";
    let p = this.inflight.get(scope);
    if (p === undefined) {
      p = (async (): Promise<void> => {
        try {
          if (this.aggregated !== false) {
            const ok = await this.refreshAggregated();
            if (ok) return;
            this.aggregated = false;
          }
          await this.refreshGroupVersion(apiVersion);
        } finally {
          this.lastRefresh.set(this.aggregated === false ? apiVersion : "*", this.now());
          this.inflight.delete(scope);
        }
      })();
      this.inflight.set(scope, p);
    }
    return p;
  }

  /** Loads /api and /apis in aggregated form; false when the server does not offer it. */
  private async refreshAggregated(): Promise<boolean> {
    const [core, groups] = await Promise.all([
      this.client.request<AggregatedList>("GET", "/api", { accept: AGGREGATED_ACCEPT }),
      this.client.request<AggregatedList>("GET", "/apis", { accept: AGGREGATED_ACCEPT }),
    ]);
    if (core?.kind !== "APIGroupDiscoveryList" || groups?.kind !== "APIGroupDiscoveryList") return false;
    this.aggregated = true;
    this.byGv.clear();
    this.versionsOf.clear();
    for (const g of [...(core.items ?? []), ...(groups.items ?? [])]) {
      const group = g.metadata?.name ?? "";
      // Aggregated discovery lists a group's versions in preference order.
      this.versionsOf.set(group, (g.versions ?? []).map((v) => v.version));
      for (const v of g.versions ?? []) {
        const gv = group === "" ? v.version : `${group}/${v.version}`;
        const kinds = new Map<string, RestMapping>();
        for (const r of v.resources ?? []) {
          const kind = r.responseKind?.kind;
          if (kind === undefined || kind === "" || kinds.has(kind)) continue;
          kinds.set(kind, { group, version: v.version, resource: r.resource, kind, namespaced: r.scope === "Namespaced" });
        }
        this.byGv.set(gv, kinds);
      }
    }
    return true;
  }

  /** Loads one group-version document (/api/v1 or /apis/{group}/{version}). */
  private async refreshGroupVersion(apiVersion: string): Promise<void> {
    const { group, version } = parseApiVersion(apiVersion);
    let list: ResourceList;
    try {
      list = await this.client.request<ResourceList>("GET", groupVersionPath(group, version));
    } catch (e) {
      if (isNotFound(e)) {
        this.byGv.set(apiVersion, new Map());
        return;
      }
      throw e;
    }
    const kinds = new Map<string, RestMapping>();
    for (const r of list.resources ?? []) {
      if (r.name.includes("/") || kinds.has(r.kind)) continue; // subresources
      kinds.set(r.kind, { group, version, resource: r.name, kind: r.kind, namespaced: r.namespaced });
    }
    this.byGv.set(apiVersion, kinds);
  }
}
