import { describe, expect, it } from "vitest";
import { apiVersionOf, buildQuery, describeObject, objectKey, parseApiVersion, resourcePath, splitKey } from "./paths.js";

const pods = { group: "", version: "v1", resource: "pods", namespaced: true };
const works = { group: "multicluster.x-k8s.io", version: "v1alpha1", resource: "works", namespaced: true };
const nodes = { group: "", version: "v1", resource: "nodes", namespaced: false };

describe("resourcePath", () => {
  it("builds core and group paths, namespaced and not", () => {
    expect(resourcePath(pods)).toBe("/api/v1/pods");
    expect(resourcePath(pods, { namespace: "ns" })).toBe("/api/v1/namespaces/ns/pods");
    expect(resourcePath(pods, { namespace: "ns", name: "p" })).toBe("/api/v1/namespaces/ns/pods/p");
    expect(resourcePath(works, { namespace: "c1", name: "w", subresource: "status" })).toBe(
      "/apis/multicluster.x-k8s.io/v1alpha1/namespaces/c1/works/w/status",
    );
    expect(resourcePath(nodes, { name: "n1" })).toBe("/api/v1/nodes/n1");
  });

  it("rejects bad segments and a namespace on a cluster-scoped resource", () => {
    expect(() => resourcePath(nodes, { namespace: "x" })).toThrow(/cluster-scoped/);
    expect(() => resourcePath(pods, { namespace: "ns", name: "a/b" })).toThrow(/invalid name/);
    expect(() => resourcePath(pods, { namespace: "ns", name: ".." })).toThrow(/invalid name/);
    expect(() => resourcePath(pods, { subresource: "status" })).toThrow(/needs an object name/);
  });

  it("encodes names", () => {
    expect(resourcePath(nodes, { name: "a:b" })).toBe("/api/v1/nodes/a%3Ab");
  });
});

describe("helpers", () => {
  it("builds queries skipping undefined", () => {
    expect(buildQuery(undefined)).toBe("");
    expect(buildQuery({ a: undefined })).toBe("");
    expect(buildQuery({ labelSelector: "a=b,c in (d)", limit: 5, watch: true, x: undefined })).toBe(
      "?labelSelector=a%3Db%2Cc+in+%28d%29&limit=5&watch=true",
    );
  });

  it("converts apiVersions", () => {
    expect(parseApiVersion("v1")).toEqual({ group: "", version: "v1" });
    expect(parseApiVersion("apps/v1")).toEqual({ group: "apps", version: "v1" });
    expect(apiVersionOf(pods)).toBe("v1");
    expect(apiVersionOf(works)).toBe("multicluster.x-k8s.io/v1alpha1");
  });

  it("keys objects", () => {
    expect(objectKey({ metadata: { name: "a", namespace: "ns" } })).toBe("ns/a");
    expect(objectKey({ metadata: { name: "a" } })).toBe("a");
    expect(splitKey("ns/a")).toEqual({ namespace: "ns", name: "a" });
    expect(splitKey("a")).toEqual({ name: "a" });
    expect(describeObject("Pod", "ns", "p")).toBe("Pod/ns/p");
    expect(describeObject("Node", undefined, "n")).toBe("Node/n");
  });
});
