import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { StatusBounds } from "@work-api/api";
import { bounded, formatPath, objectDifferences } from "./diff.js";
import { inSync } from "./compare.js";

const managed = (manager: string, operation: string, fieldsV1: object, time = "2026-12-01T00:00:00Z"): object => ({ manager, operation, time, fieldsV1, apiVersion: "v1" });

describe("objectDifferences", () => {
  it("names a changed value with both values and the manager that holds it", () => {
    const desired = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: "n" }, data: { a: "1", b: "2" } };
    const live = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "a", namespace: "n", managedFields: [managed("work-agent-x", "Apply", { "f:data": { "f:b": {} } }), managed("kubectl-edit", "Update", { "f:data": { "f:a": {} } })] },
      data: { a: "9", b: "2", extra: "x" },
    };
    expect(objectDifferences(desired, live, { self: "work-agent-x" })).toEqual([{ path: ".data.a", valueInMember: '"9"', valueInHub: '"1"', fieldManager: "kubectl-edit" }]);
  });

  it("attributes a removed value to the latest out-of-band Update", () => {
    const desired = { metadata: { name: "a" }, data: { a: "1" } };
    const live = {
      metadata: { name: "a", managedFields: [managed("work-agent-x", "Apply", {}, "2026-12-01T00:00:09Z"), managed("old", "Update", {}, "2026-12-01T00:00:01Z"), managed("kubectl-edit", "Update", {}, "2026-12-01T00:00:05Z")] },
      data: {},
    };
    expect(objectDifferences(desired, live, { self: "work-agent-x" })).toEqual([{ path: ".data.a", valueInHub: '"1"', fieldManager: "kubectl-edit" }]);
  });

  it("finds the holder of an associative list element by its key", () => {
    const desired = { spec: { template: { spec: { containers: [{ name: "app", image: "v2" }] } } } };
    const live = {
      metadata: {
        managedFields: [
          managed("me", "Apply", { "f:spec": { "f:template": { "f:spec": { "f:containers": { 'k:{"name":"app"}': { ".": {}, "f:image": {} } } } } } }),
          managed("kubectl-set", "Update", { "f:spec": { "f:template": { "f:spec": { "f:containers": { 'k:{"name":"app"}': { "f:image": {} } } } } } }),
        ],
      },
      spec: { template: { spec: { containers: [{ name: "app", image: "v1", imagePullPolicy: "IfNotPresent" }] } } },
    };
    expect(objectDifferences(desired, live, { self: "me" })).toEqual([{ path: ".spec.template.spec.containers[0].image", valueInMember: '"v1"', valueInHub: '"v2"', fieldManager: "kubectl-set" }]);
  });

  it("skips status, server metadata, owner references present by uid and record annotations; quotes odd keys", () => {
    const desired = {
      metadata: { name: "a", ownerReferences: [{ uid: "x" }], labels: { "app.kubernetes.io/name": "x" }, annotations: { "work.multicluster.x-k8s.io/applied-abc": "h1" } },
      status: { phase: "x" },
    };
    const live = { metadata: { name: "a", ownerReferences: [{ uid: "x" }], labels: { "app.kubernetes.io/name": "y" }, annotations: { "work.multicluster.x-k8s.io/applied-abc": "h0" } } };
    expect(objectDifferences(desired, live).map((d) => d.path)).toEqual([".metadata.labels['app.kubernetes.io/name']"]);
  });

  it("reports a list of another length at the list's path, and a missing object whole", () => {
    expect(objectDifferences({ spec: { ports: [1, 2] } }, { spec: { ports: [1] } }).map((d) => d.path)).toEqual([".spec.ports"]);
    expect(objectDifferences({ data: { a: "1" } }, undefined)).toEqual([{ path: ".data", valueInHub: '{"a":"1"}' }]);
  });

  it("is bounded in count and value size", () => {
    const data = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, "x".repeat(1000)]));
    const out = objectDifferences({ data }, { data: {} });
    expect(out).toHaveLength(StatusBounds.maxObservedDrifts);
    for (const d of out) expect(Buffer.byteLength(d.valueInHub!)).toBeLessThanOrEqual(StatusBounds.maxDriftValueBytes);
    expect(bounded("é".repeat(500)).endsWith("…")).toBe(true);
  });

  it("formats paths", () => {
    expect(formatPath([{ key: "data" }, { key: "a.b" }])).toBe(".data['a.b']");
    expect(formatPath([{ key: "spec" }, { key: "x" }, { index: 2 }])).toBe(".spec.x[2]");
  });

  it("does not take a node owned only as itself (\".\") for its contents, nor an empty set for everything", () => {
    const desired = { metadata: { labels: { team: "a" } } };
    const live = {
      metadata: {
        labels: { team: "b" },
        managedFields: [managed("empty", "Update", {}), managed("shell", "Update", { "f:metadata": { "f:labels": { ".": {} } } }), managed("kubectl-label", "Update", { "f:metadata": { "f:labels": { "f:team": {} } } })],
      },
    };
    expect(objectDifferences(desired, live)[0]?.fieldManager).toBe("kubectl-label");
  });

  it("counts a field held through the scale subresource, and never names self", () => {
    const desired = { spec: { replicas: 3 } };
    const scaled = { metadata: { managedFields: [managed("me", "Apply", { "f:spec": { "f:replicas": {} } }), { ...managed("kubectl-scale", "Update", { "f:spec": { "f:replicas": {} } }), subresource: "scale" }] }, spec: { replicas: 5 } };
    expect(objectDifferences(desired, scaled, { self: "me" })[0]?.fieldManager).toBe("kubectl-scale");
    const onlyMe = { metadata: { managedFields: [managed("me", "Apply", { "f:spec": { "f:replicas": {} } })] }, spec: { replicas: 5 } };
    expect(objectDifferences(desired, onlyMe, { self: "me" })[0]).toEqual({ path: ".spec.replicas", valueInMember: "5", valueInHub: "3" });
  });

  it("reports a removed owner reference of the Work, compared by uid", () => {
    const desired = { metadata: { ownerReferences: [{ kind: "AppliedWork", name: "aw", uid: "u1" }] } };
    expect(objectDifferences(desired, { metadata: { ownerReferences: [{ uid: "u1", name: "renamed" }] } })).toEqual([]);
    expect(objectDifferences(desired, { metadata: { ownerReferences: [{ uid: "u2" }] } })).toEqual([
      { path: ".metadata.ownerReferences", valueInMember: '[{"uid":"u2"}]', valueInHub: '[{"kind":"AppliedWork","name":"aw","uid":"u1"}]' },
    ]);
  });

  // Differential: no differences exactly when drift detection (compare.ts inSync) sees the live object in sync.
  it("finds no difference exactly when inSync says the live object holds the manifest (property)", () => {
    const value = fc.oneof(fc.string({ maxLength: 3 }), fc.integer({ min: 0, max: 3 }), fc.boolean(), fc.constant(null));
    const leafOrNested = fc.oneof(value, fc.dictionary(fc.constantFrom("x", "y"), value), fc.array(fc.oneof(value, fc.record({ name: fc.constantFrom("a", "b"), v: value })), { maxLength: 2 }));
    const body = fc.dictionary(fc.constantFrom("a", "b", "c"), leafOrNested);
    const owners = fc.array(fc.record({ uid: fc.constantFrom("u1", "u2", "u3") }), { maxLength: 2 });
    const obj = fc.record({ metadata: fc.record({ labels: fc.dictionary(fc.constantFrom("l1", "l2"), fc.string({ maxLength: 2 })), ownerReferences: owners }, { requiredKeys: [] }), data: body, spec: body }, { requiredKeys: ["metadata"] });
    fc.assert(
      fc.property(obj, obj, (desired, live) => {
        const none = objectDifferences(desired, live, { limit: 1000 }).length === 0;
        expect(none).toBe(inSync(desired, live));
      }),
      { numRuns: 1000 },
    );
  });
});
