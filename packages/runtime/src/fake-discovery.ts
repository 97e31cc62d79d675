/**
 * Discovery documents of the {@link FakeApiServer}: /api and /apis (legacy
 * or aggregated apidiscovery.k8s.io/v2), and per-group-version resource lists.
 */
import type { ResourceRef } from "./paths.js";

/** A resource the fake serves; kind is required. */
export type FakeResource = ResourceRef & { kind: string };

/** An answer: status code, JSON body, extra headers. */
export interface FakeAnswer {
  code: number;
  body: unknown;
  headers: Record<string, string>;
}

const AGGREGATED_TYPE = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

function groupsOf(all: readonly FakeResource[], core: boolean): Map<string, Map<string, FakeResource[]>> {
  const gs = new Map<string, Map<string, FakeResource[]>>();
  for (const r of all.filter((x) => (x.group === "") === core)) {
    const vs = gs.get(r.group) ?? new Map<string, FakeResource[]>();
    vs.set(r.version, [...(vs.get(r.version) ?? []), r]);
    gs.set(r.group, vs);
  }
  return gs;
}

function aggregatedList(all: readonly FakeResource[], core: boolean): unknown {
  return {
    kind: "APIGroupDiscoveryList",
    apiVersion: "apidiscovery.k8s.io/v2",
    metadata: {},
    items: [...groupsOf(all, core)].map(([g, vs]) => ({
      metadata: { name: g },
      versions: [...vs].map(([v, rs]) => ({
        version: v,
        resources: rs.map((x) => ({
          resource: x.resource,
          responseKind: { group: g, version: v, kind: x.kind },
          scope: x.namespaced ? "Namespaced" : "Cluster",
          verbs: ["get", "list", "watch"],
        })),
      })),
    })),
  };
}

/** The discovery answer for `path`, or undefined when it is not a discovery path. */
export function serveDiscovery(all: readonly FakeResource[], aggregatedEnabled: boolean, path: string, accept: string): FakeAnswer | undefined {
  const aggregated = aggregatedEnabled && accept.includes("apidiscovery.k8s.io");
  if (path === "/api") {
    return aggregated
      ? { code: 200, body: aggregatedList(all, true), headers: { "Content-Type": AGGREGATED_TYPE } }
      : { code: 200, body: { kind: "APIVersions", versions: ["v1"] }, headers: {} };
  }
  if (path === "/apis") {
    if (aggregated) return { code: 200, body: aggregatedList(all, false), headers: { "Content-Type": AGGREGATED_TYPE } };
    return {
      code: 200,
      body: {
        kind: "APIGroupList",
        apiVersion: "v1",
        groups: [...groupsOf(all, false)].map(([g, vs]) => ({ name: g, versions: [...vs.keys()].map((v) => ({ groupVersion: `${g}/${v}`, version: v })) })),
      },
      headers: {},
    };
  }
  const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(path);
  if (m === null) return undefined;
  const [g, v] = m[1] !== undefined ? ["", m[1]] : [m[2] as string, m[3] as string];
  const rs = all.filter((x) => x.group === g && x.version === v);
  if (rs.length === 0) {
    return { code: 404, body: { kind: "Status", apiVersion: "v1", status: "Failure", code: 404, reason: "NotFound", message: "the server could not find the requested resource" }, headers: {} };
  }
  return {
    code: 200,
    body: {
      kind: "APIResourceList",
      apiVersion: "v1",
      groupVersion: g === "" ? v : `${g}/${v}`,
      resources: rs.flatMap((x) => [
        { name: x.resource, kind: x.kind, namespaced: x.namespaced, verbs: ["get", "list", "watch"] },
        { name: `${x.resource}/status`, kind: x.kind, namespaced: x.namespaced, verbs: ["get", "update"] },
      ]),
    },
    headers: {},
  };
}
