import { describe, expect, it } from "vitest";
import type { Mapper } from "@work-api/apply";
import { encodeReadOnly, lookOnlyIntended, readOnlyKeys, refKey } from "./read-only.js";

const mapper: Mapper = {
  resolve: async (apiVersion, kind) => {
    if (kind === "Gizmo") throw new Error("no kind Gizmo");
    return { group: apiVersion.includes("/") ? apiVersion.split("/")[0]! : "", version: "v1", resource: `${kind.toLowerCase()}s`, kind, namespaced: true };
  },
  resolveGroupKind: async () => {
    throw new Error("unused");
  },
  invalidate: () => undefined,
};
const cm = (name: string): object => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "d" } });

describe("lookOnlyIntended", () => {
  it("names the manifests a ReadOnly or ReportDiff config selects, matched on the resolved resource, before anything is applied", async () => {
    const configs = [
      { resourceIdentifier: { resource: "configmaps", namespace: "d", name: "ro" }, updateStrategy: { type: "ReadOnly" as const } },
      { resourceIdentifier: { resource: "configmaps", namespace: "d", name: "rd" }, updateStrategy: { type: "ReportDiff" as const } },
      { resourceIdentifier: { resource: "configmaps", namespace: "d", name: "co" }, updateStrategy: { type: "CreateOnly" as const } },
      { resourceIdentifier: { group: "example.com", resource: "gizmos", namespace: "d", name: "g" }, updateStrategy: { type: "ReadOnly" as const } },
    ];
    const manifests = [cm("ro"), cm("rd"), cm("co"), cm("plain"), { apiVersion: "example.com/v1", kind: "Gizmo", metadata: { name: "g", namespace: "d" } }, "not an object"];
    const keys = await lookOnlyIntended(manifests, configs, mapper);
    expect(keys).toHaveLength(2);
    // The same keys the record and refKey use.
    const record = readOnlyKeys({ metadata: { annotations: { "work.multicluster.x-k8s.io/read-only": encodeReadOnly(keys)! } } });
    expect(record.size).toBe(2);
    // The keys prune and inUseCheck look up: refKey of the inventory entries.
    expect(keys.sort()).toEqual([refKey({ group: "", kind: "ConfigMap", namespace: "d", name: "rd" }), refKey({ group: "", kind: "ConfigMap", namespace: "d", name: "ro" })].sort());
  });

  it("is empty (and asks discovery nothing) without a look-only config", async () => {
    const asked: string[] = [];
    const counting: Mapper = { ...mapper, resolve: async (a, k) => (asked.push(k), mapper.resolve(a, k)) };
    expect(await lookOnlyIntended([cm("a")], [{ resourceIdentifier: { resource: "configmaps", name: "a" }, updateStrategy: { type: "CreateOnly" } }], counting)).toEqual([]);
    expect(await lookOnlyIntended([cm("a")], undefined, counting)).toEqual([]);
    expect(asked).toEqual([]);
  });
});
