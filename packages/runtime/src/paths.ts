/**
 * REST path building for Kubernetes resources, and object keys.
 *
 * Core group:  /api/v1[/namespaces/{ns}]/{resource}[/{name}[/{subresource}]]
 * Other groups: /apis/{group}/{version}[/namespaces/{ns}]/{resource}[/{name}[/{subresource}]]
 */
import type { ObjectMeta } from "@work-api/api";

/**
 * The shape every Kubernetes object has. Generic APIs here take
 * `T extends ObjectLike`, so typed interfaces without an index signature
 * (Work, ClusterProfile, …) fit as well as the loose `KubeObject`.
 */
// A type alias, not an interface: it then also converts to KubeObject (implicit index signature).
export type ObjectLike = {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
};

/** Identifies a REST resource (a GroupVersionResource plus its scope). */
export interface ResourceRef {
  /** API group; "" for the core group. */
  group: string;
  version: string;
  /** Plural lower-case resource name, e.g. "deployments". */
  resource: string;
  /** True for namespaced resources. */
  namespaced: boolean;
  /** Kind, used in error messages and when building objects. */
  kind?: string;
}

/** Where a request goes within a resource. */
export interface PathParts {
  namespace?: string | undefined;
  name?: string | undefined;
  subresource?: string | undefined;
}

/** Query parameter values; `undefined` entries are skipped. */
export type QueryParams = Record<string, string | number | boolean | undefined>;

/** "/api/v1" for the core group, "/apis/{group}/{version}" otherwise. */
export function groupVersionPath(group: string, version: string): string {
  return group === "" ? `/api/${version}` : `/apis/${group}/${version}`;
}

/** "v1" for the core group, "{group}/{version}" otherwise. */
export function apiVersionOf(ref: Pick<ResourceRef, "group" | "version">): string {
  return ref.group === "" ? ref.version : `${ref.group}/${ref.version}`;
}

/** Splits an apiVersion ("apps/v1", "v1") into group and version. */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf("/");
  return i < 0 ? { group: "", version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

function segment(s: string, what: string): string {
  if (s === "" || s === "." || s === ".." || s.includes("/")) throw new Error(`invalid ${what} in resource path: ${JSON.stringify(s)}`);
  return encodeURIComponent(s);
}

/**
 * Path of a resource collection or object. A namespaced resource without a
 * namespace addresses all namespaces (valid for list and watch only);
 * a namespace given for a cluster-scoped resource is an error.
 */
export function resourcePath(ref: ResourceRef, parts: PathParts = {}): string {
  let path = groupVersionPath(ref.group, ref.version);
  if (parts.namespace !== undefined && parts.namespace !== "") {
    if (!ref.namespaced) throw new Error(`${ref.resource}.${ref.group || "core"} is cluster-scoped; no namespace allowed`);
    path += `/namespaces/${segment(parts.namespace, "namespace")}`;
  }
  path += `/${segment(ref.resource, "resource")}`;
  if (parts.name !== undefined) {
    path += `/${segment(parts.name, "name")}`;
    if (parts.subresource !== undefined) path += `/${segment(parts.subresource, "subresource")}`;
  } else if (parts.subresource !== undefined) {
    throw new Error("a subresource needs an object name");
  }
  return path;
}

/** "?a=1&b=x" from the defined entries, or "" when there are none. */
export function buildQuery(query: QueryParams | undefined): string {
  if (query === undefined) return "";
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined) params.append(k, String(v));
  }
  const s = params.toString();
  return s === "" ? "" : `?${s}`;
}

/** Cache key of an object: "namespace/name", or "name" when cluster-scoped. */
export function objectKey(obj: ObjectLike): string {
  const name = obj.metadata?.name ?? "";
  const ns = obj.metadata?.namespace;
  return ns !== undefined && ns !== "" ? `${ns}/${name}` : name;
}

/** Key from parts; the inverse of {@link splitKey}. */
export function makeKey(namespace: string | undefined, name: string): string {
  return namespace !== undefined && namespace !== "" ? `${namespace}/${name}` : name;
}

/** Splits "namespace/name" or "name". */
export function splitKey(key: string): { namespace?: string; name: string } {
  const i = key.indexOf("/");
  return i < 0 ? { name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/** "Kind/namespace/name" or "Kind/name", as used in error messages and logs. */
export function describeObject(kind: string | undefined, namespace: string | undefined, name: string | undefined): string {
  const parts = [kind ?? "object"];
  if (namespace !== undefined && namespace !== "") parts.push(namespace);
  parts.push(name ?? "<unnamed>");
  return parts.join("/");
}
