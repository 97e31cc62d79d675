import { describe, expect, it } from "vitest";
import type { FeedbackRule, KubeObject } from "@work-api/api";
import { StatusBounds } from "@work-api/api";
import { readFeedback, wellKnownStatus } from "./feedback.js";

const deployment: KubeObject = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", generation: 2 },
  spec: { replicas: 3 },
  // Kubernetes omits counts that are zero: updatedReplicas is absent here.
  status: { observedGeneration: 2, replicas: 3, readyReplicas: 2, availableReplicas: 2, conditions: [{ type: "Available", status: "True" }, { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable" }] },
};
const wellKnown: FeedbackRule = { type: "WellKnownStatus" };
const paths = (...p: [string, string][]): FeedbackRule => ({ type: "JSONPaths", jsonPaths: p.map(([name, path]) => ({ name, path })) });

describe("readFeedback: WellKnownStatus", () => {
  it("reads a Deployment's replica counts as integers; a count Kubernetes omitted is absent", () => {
    const r = readFeedback([wellKnown], "apps", "Deployment", deployment);
    expect(r.failures).toEqual([]);
    expect(r.values).toEqual([
      { name: "replicas", fieldValue: { type: "Integer", integer: 3 } },
      { name: "readyReplicas", fieldValue: { type: "Integer", integer: 2 } },
      { name: "availableReplicas", fieldValue: { type: "Integer", integer: 2 } },
    ]);
  });

  it("has a documented set for the built-in workloads", () => {
    expect(wellKnownStatus("apps", "StatefulSet")?.map((p) => p.name)).toEqual(["replicas", "readyReplicas", "currentReplicas", "updatedReplicas", "availableReplicas"]);
    expect(wellKnownStatus("apps", "DaemonSet")?.map((p) => p.name)).toEqual(["desiredNumberScheduled", "currentNumberScheduled", "numberReady", "numberAvailable", "updatedNumberScheduled"]);
    expect(wellKnownStatus("batch", "Job")?.map((p) => p.name)).toEqual(["active", "succeeded", "failed", "complete"]);
    expect(wellKnownStatus("", "Pod")?.map((p) => p.name)).toEqual(["phase", "ready"]);
    expect(wellKnownStatus("", "ConfigMap")).toBeUndefined();
  });

  it("reads a Job's counts and its Complete condition, a Pod's phase and Ready condition", () => {
    const job: KubeObject = { kind: "Job", status: { succeeded: 1, conditions: [{ type: "Complete", status: "True" }] } };
    expect(readFeedback([wellKnown], "batch", "Job", job).values).toEqual([
      { name: "succeeded", fieldValue: { type: "Integer", integer: 1 } },
      { name: "complete", fieldValue: { type: "String", string: "True" } },
    ]);
    const pod: KubeObject = { kind: "Pod", status: { phase: "Running", conditions: [{ type: "Ready", status: "False" }] } };
    expect(readFeedback([wellKnown], "", "Pod", pod).values).toEqual([
      { name: "phase", fieldValue: { type: "String", string: "Running" } },
      { name: "ready", fieldValue: { type: "String", string: "False" } },
    ]);
  });

  it("fails, naming the kind, for a kind without a well-known set", () => {
    const r = readFeedback([wellKnown], "", "ConfigMap", { kind: "ConfigMap", data: {} });
    expect(r.values).toEqual([]);
    expect(r.failures).toEqual(["WellKnownStatus: no well-known status values for kind ConfigMap (core group); use JSONPaths"]);
  });
});

describe("readFeedback: JSONPaths relative to .status", () => {
  it("types each value: Integer, String, Boolean; objects, lists and non-integers as JsonRaw", () => {
    const obj: KubeObject = { status: { count: 7, phase: "Bound", ok: true, ratio: 0.75, nested: { a: [1, "x"] }, conditions: [{ type: "Ready", status: "True" }, { type: "Synced", status: "False" }] } };
    const r = readFeedback(
      [paths(["count", ".count"], ["phase", ".phase"], ["ok", ".ok"], ["ratio", ".ratio"], ["nested", ".nested"], ["ready", '.conditions[?(@.type=="Ready")].status'], ["synced", ".conditions[?(@.type=='Synced')].status"], ["types", ".conditions[*].type"], ["first", "['conditions'][0].type"])],
      "example.com",
      "Widget",
      obj,
    );
    expect(r.failures).toEqual([]);
    expect(r.values).toEqual([
      { name: "count", fieldValue: { type: "Integer", integer: 7 } },
      { name: "phase", fieldValue: { type: "String", string: "Bound" } },
      { name: "ok", fieldValue: { type: "Boolean", boolean: true } },
      { name: "ratio", fieldValue: { type: "JsonRaw", jsonRaw: "0.75" } },
      { name: "nested", fieldValue: { type: "JsonRaw", jsonRaw: '{"a":[1,"x"]}' } },
      { name: "ready", fieldValue: { type: "String", string: "True" } },
      { name: "synced", fieldValue: { type: "String", string: "False" } },
      { name: "types", fieldValue: { type: "JsonRaw", jsonRaw: '["Ready","Synced"]' } },
      { name: "first", fieldValue: { type: "String", string: "Ready" } },
    ]);
  });

  it("leaves out a missing field, a filter that matches nothing and a null, without failing (as OCM)", () => {
    const r = readFeedback([paths(["missing", ".nope"], ["none", '.conditions[?(@.type=="Gone")].status'], ["nul", ".nul"])], "", "Thing", { status: { nul: null, conditions: [] } });
    expect(r).toEqual({ values: [], failures: [] });
    expect(readFeedback([paths(["x", ".x"])], "", "Thing", { metadata: { name: "no-status" } })).toEqual({ values: [], failures: [] });
  });

  it("reports a value too large as a failure naming it, never as truncated JSON", () => {
    const big = { list: Array.from({ length: 200 }, (_, i) => `item-${i}`) };
    const r = readFeedback([paths(["list", ".list"], ["small", ".small"])], "", "Thing", { status: { ...big, small: 1 } });
    expect(r.values).toEqual([{ name: "small", fieldValue: { type: "Integer", integer: 1 } }]);
    expect(r.failures).toHaveLength(1);
    expect(r.failures[0]).toMatch(new RegExp(`^list \\(\\.list\\): the value is \\d+ bytes of JSON, more than ${StatusBounds.maxJsonRawBytes}$`));
    const long = readFeedback([paths(["s", ".s"])], "", "Thing", { status: { s: "x".repeat(2000) } });
    expect(long.values).toEqual([]);
    expect(long.failures).toEqual(["s (.s): the string is 2000 bytes, more than 1024"]);
  });

  it("fails a path that does not parse or is not relative, naming it; the other paths are still read", () => {
    const r = readFeedback([paths(["bad", ".conditions[?(@.type=="], ["dash", ".a-b"], ["abs", "$.count"], ["bare", "count"], ["good", ".count"])], "", "Thing", { status: { count: 1 } });
    expect(r.values).toEqual([{ name: "good", fieldValue: { type: "Integer", integer: 1 } }]);
    expect(r.failures).toEqual([
      "bad (.conditions[?(@.type==): the path does not parse: it ends too early (after character 22)",
      "dash (.a-b): the path does not parse: unexpected \"-\" at character 3",
      "abs ($.count): the path must start with '.' or '[' (it is relative to .status)",
      "bare (count): the path must start with '.' or '[' (it is relative to .status)",
    ]);
  });

  it("refuses the regular-expression functions match() and search()", () => {
    const r = readFeedback([paths(["m", '.conditions[?match(@.type, "(a+)+$")].status'])], "", "Thing", { status: { conditions: [] } });
    expect(r.failures).toEqual(["m (.conditions[?match(@.type, \"(a+)+$\")].status): the functions match() and search() are not allowed"]);
  });

  it("fails a name given twice and keeps the first value", () => {
    const r = readFeedback([wellKnown, paths(["replicas", ".readyReplicas"])], "apps", "Deployment", deployment);
    expect(r.values.filter((v) => v.name === "replicas")).toEqual([{ name: "replicas", fieldValue: { type: "Integer", integer: 3 } }]);
    expect(r.failures).toEqual(["replicas (.readyReplicas): the name is already used by another feedback value"]);
  });

  it(`keeps at most ${StatusBounds.maxFeedbackValues} values and says how many more there were`, () => {
    const status = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`f${i}`, i]));
    const rules = [paths(...Array.from({ length: 50 }, (_, i): [string, string] => [`f${i}`, `.f${i}`])), paths(...Array.from({ length: 10 }, (_, i): [string, string] => [`f${50 + i}`, `.f${50 + i}`]))];
    const r = readFeedback(rules, "", "Thing", { status });
    expect(r.values).toHaveLength(50);
    expect(r.failures).toEqual([`10 more values were left out: at most ${StatusBounds.maxFeedbackValues} are reported per manifest`]);
  });
});
