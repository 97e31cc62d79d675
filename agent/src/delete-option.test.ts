import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { AppliedWork } from "@work-api/api";
import { DELETE_OPTION_ANNOTATION } from "./labels.js";
import { HOLDS_ORPHANS_ANNOTATION } from "@work-api/apply";
import { ownerFor, recordedDeleteOption, deleteOptionRecord } from "./delete-option.js";

const aw = (annotations?: Record<string, string>): AppliedWork => ({ apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "AppliedWork", metadata: { name: "aw", ...(annotations ? { annotations } : {}) }, spec: { workName: "w", workNamespace: "c" } });

describe("the deleteOption recorded on the AppliedWork", () => {
  it("records nothing for Foreground (the default), the option as JSON otherwise", () => {
    expect(deleteOptionRecord(undefined)).toBeNull();
    expect(deleteOptionRecord({})).toBeNull();
    expect(deleteOptionRecord({ propagationPolicy: "Foreground" })).toBeNull();
    expect(JSON.parse(deleteOptionRecord({ propagationPolicy: "Orphan" })!)).toEqual({ propagationPolicy: "Orphan" });
    const sel = { propagationPolicy: "SelectivelyOrphan" as const, selectivelyOrphans: { orphaningRules: [{ resource: "configmaps", namespace: "default", name: "a" }] } };
    expect(JSON.parse(deleteOptionRecord(sel)!)).toEqual(sel);
  });

  it("reads back what was recorded; no record is Foreground; an unreadable record orphans everything (nothing is deleted by mistake)", () => {
    const sel = { propagationPolicy: "SelectivelyOrphan" as const, selectivelyOrphans: { orphaningRules: [{ group: "apps", resource: "deployments", namespace: "web", name: "api" }] } };
    expect(recordedDeleteOption(aw({ [DELETE_OPTION_ANNOTATION]: deleteOptionRecord(sel)! }))).toEqual(sel);
    expect(recordedDeleteOption(aw())).toBeUndefined();
    expect(recordedDeleteOption(aw({ [DELETE_OPTION_ANNOTATION]: "{not json" }))).toEqual({ propagationPolicy: "Orphan" });
    expect(recordedDeleteOption(aw({ [DELETE_OPTION_ANNOTATION]: JSON.stringify({ propagationPolicy: "Sometimes" }) }))).toEqual({ propagationPolicy: "Orphan" });
    expect(recordedDeleteOption(aw({ [DELETE_OPTION_ANNOTATION]: JSON.stringify({ propagationPolicy: "SelectivelyOrphan", selectivelyOrphans: { orphaningRules: "x" } }) }))).toEqual({ propagationPolicy: "Orphan" });
  });
});

describe("the record's size", () => {
  it("fits the API server's 256 KiB bound on annotations for the largest option the CRD allows", () => {
    const crd = readFileSync(new URL("../../crds/multicluster.x-k8s.io_works.yaml", import.meta.url), "utf8");
    const max = Number(/orphaningRules:[\s\S]*?maxItems: (\d+)/.exec(crd)?.[1]);
    expect(max).toBeGreaterThan(0);
    const rule = (i: number) => ({ group: "g".repeat(249) + String(i).padStart(4, "0"), resource: "r".repeat(63), namespace: "n".repeat(63), name: "x".repeat(253) });
    const record = deleteOptionRecord({ propagationPolicy: "SelectivelyOrphan", selectivelyOrphans: { orphaningRules: Array.from({ length: max }, (_, i) => rule(i)) } })!;
    // Room left for the other annotations of the AppliedWork (executor, letting-go) and their keys.
    expect(Buffer.byteLength(record) + DELETE_OPTION_ANNOTATION.length).toBeLessThan(256 * 1024 - 8 * 1024);
  });
});

describe("ownerFor: the AppliedWork owner reference at apply time", () => {
  const owner = { apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "AppliedWork", name: "aw", uid: "aw-uid" };
  const marked = new Set(["old-orphans"]);
  const spoke = { get: async (_m: unknown, _ns: string | undefined, name: string) => ({ metadata: { name, ...(marked.has(name) ? { annotations: { [HOLDS_ORPHANS_ANNOTATION]: "true" } } : {}) } }) };
  const cm = (name: string) => ({ ordinal: 0, group: "", version: "v1", kind: "ConfigMap", resource: "configmaps", namespace: "team-a", name });
  const ns = (name: string) => ({ ordinal: 0, group: "", version: "v1", kind: "Namespace", resource: "namespaces", namespace: "", name });

  it("leaves it off what the option orphans and the Namespaces that would take it along, and off Namespaces marked as holding orphans", async () => {
    const f = ownerFor(owner, { propagationPolicy: "SelectivelyOrphan", selectivelyOrphans: { orphaningRules: [{ resource: "configmaps", namespace: "team-a", name: "keep" }] } }, spoke);
    expect(await f(cm("keep"))).toBeUndefined();
    expect(await f(cm("other"))).toEqual(owner);
    expect(await f(ns("team-a"))).toBeUndefined();
    expect(await f(ns("team-b"))).toEqual(owner);
    expect(await f(ns("old-orphans"))).toBeUndefined();
    expect(await ownerFor(owner, undefined, spoke)(cm("keep"))).toEqual(owner);
    expect(await ownerFor(owner, { propagationPolicy: "Orphan" }, spoke)(ns("team-b"))).toBeUndefined();
  });
});
