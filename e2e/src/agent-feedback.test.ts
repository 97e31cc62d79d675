/**
 * Status feedback and condition rules (issue 10, spec.manifestConfigs[]
 * feedbackRules and conditionRules) against a real hub and a real spoke that
 * runs workloads on kwok's fake nodes:
 * - JSONPaths values of a custom resource follow its status, written by the
 *   test through the status subresource, with no change of the Work and no
 *   write to the spoke, and with resync disabled (so it is the watch, not a
 *   timer, that brings them);
 * - WellKnownStatus shows a Deployment's readyReplicas reaching its replicas;
 * - CEL condition rules that work, and rules that fail cleanly (a compile
 *   error, a run-time error) as conditions, the other manifests unharmed;
 * - `kubectl work status` shows the values and the rule conditions;
 * - idle: with feedback rules on steady objects, resyncs reconcile and the
 *   agent writes nothing.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FeedbackValue, ManifestConfig, Work } from "@work-api/api";
import { clients, deleteIfExists, getOrUndefined, hubKubeconfig, kubectlOk, spokeKubeconfig, testNamespace, uniqueName, waitFor } from "./env.js";
import { REPO, mintAgentKubeconfig, startAgent, type AgentProcess } from "./agent-harness.js";
import { condition, manifestCondition, readWork, waitForWorkCondition } from "./work-helpers.js";
import { configMap, deleteWork, putWork, reconcileCount, waitReconciles, waitWorkGone, writeCount } from "./contract-helpers.js";

const cluster = testNamespace("agent-feedback");
const ns = testNamespace("agent-feedback-spoke", { on: ["spoke1"] });
const hub = clients(hubKubeconfig());
const spoke = clients(spokeKubeconfig(1));
const WORKS = ["widget", "rules", "web", "broken-paths", "feedback-demo", "watcher"];
let agent: AgentProcess;
let creds: string;

const group = `${uniqueName("fb")}.example.com`;
// Every status field the tests write is declared (client-node drops x-kubernetes-preserve-unknown-fields when it sends a CRD).
const strings = { type: "array", items: { type: "string" } };
const statusSchema = {
  type: "object",
  properties: {
    phase: { type: "string" },
    count: { type: "integer" },
    healthy: { type: "boolean" },
    endpoints: strings,
    blob: strings,
    conditions: { type: "array", items: { type: "object", properties: { type: { type: "string" }, status: { type: "string" } } } },
  },
};
const crd = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: `widgets.${group}` },
  spec: {
    group,
    scope: "Namespaced",
    names: { plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList" },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: { openAPIV3Schema: { type: "object", properties: { spec: { type: "object", properties: { size: { type: "integer" } } }, status: statusSchema } } },
      },
    ],
  },
};
const widget = (name: string) => ({ apiVersion: `${group}/v1`, kind: "Widget", metadata: { name, namespace: ns }, spec: { size: 1 } });
const widgetId = (name: string) => ({ group, resource: "widgets", namespace: ns, name });

async function setWidgetStatus(name: string, status: Record<string, unknown>): Promise<void> {
  await spoke.custom.patchNamespacedCustomObjectStatus({ group, version: "v1", namespace: ns, plural: "widgets", name, body: [{ op: "add", path: "/status", value: status }] });
}

async function feedback(work: string, ordinal = 0): Promise<FeedbackValue[] | undefined> {
  return manifestCondition(await readWork(hub.objects, cluster, work), ordinal)?.statusFeedback?.values;
}

async function waitFeedback(work: string, want: FeedbackValue[], message: string, timeoutMs = 30_000): Promise<Work> {
  return waitFor(async () => {
    const w = await readWork(hub.objects, cluster, work);
    // Compared as values: the API server returns object keys in its own order.
    return isDeepStrictEqual(manifestCondition(w, 0)?.statusFeedback?.values, want) ? w : undefined;
  }, { timeoutMs, message });
}

async function manifestCond(work: string, ordinal: number, type: string): Promise<{ status?: string; reason?: string; message?: string } | undefined> {
  return condition(manifestCondition(await readWork(hub.objects, cluster, work), ordinal)?.conditions, type);
}

function plugin(args: readonly string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(REPO, "hub/bin/kubectl-work.js"), ...args, "--kubeconfig", hubKubeconfig()], { env: { ...process.env, NO_COLOR: "1" }, timeout: 60_000 }, (err, stdout) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout });
    });
  });
}

beforeAll(async () => {
  await spoke.objects.create(crd);
  await waitFor(async () => {
    const c = (await getOrUndefined(spoke.objects, crd)) as { status?: { conditions?: { type: string; status: string }[] } } | undefined;
    return c?.status?.conditions?.some((x) => x.type === "Established" && x.status === "True");
  }, { message: "CRD established" });
  creds = await mintAgentKubeconfig(hubKubeconfig(), cluster);
  // No resync: whatever refreshes a value is a watch event of the live object.
  agent = await startAgent({ hubKubeconfig: creds, spokeKubeconfig: spokeKubeconfig(1), clusterName: cluster, args: ["--resync-period", "0"] });
});

afterAll(async () => {
  if (agent?.proc.exitCode === null) {
    for (const name of WORKS) await deleteWork(hub, cluster, name);
    for (const name of WORKS) await waitWorkGone(hub, cluster, name);
  }
  expect(await agent?.stop()).toBe(0);
  await deleteIfExists(spoke.objects, crd);
});

describe("feedbackRules", () => {
  it("JSONPaths: values follow the live object's status (watch events, resync off), with no Work change and no write to the spoke", async () => {
    const config: ManifestConfig = {
      resourceIdentifier: widgetId("w1"),
      feedbackRules: [
        {
          type: "JSONPaths",
          jsonPaths: [
            { name: "phase", path: ".phase" },
            { name: "ready", path: '.conditions[?(@.type=="Ready")].status' },
            { name: "count", path: ".count" },
            { name: "healthy", path: ".healthy" },
            { name: "endpoints", path: ".endpoints" },
            { name: "missing", path: ".notThere" },
          ],
        },
      ],
    };
    const created = await putWork(hub, cluster, "widget", [widget("w1")], { manifestConfigs: [config] });
    let w = await waitForWorkCondition(hub.objects, cluster, "widget", "Applied", "True");
    // No status yet: no values, and that is not a failure (missing fields are absent, as OCM).
    await waitFor(async () => (await manifestCond("widget", 0, "StatusFeedbackSynced"))?.status === "True", { message: "StatusFeedbackSynced=True" });
    expect(await feedback("widget")).toEqual([]);
    const spokeWrites = await writeCount(agent, "spoke");

    await setWidgetStatus("w1", { phase: "Provisioning", count: 1, healthy: false, conditions: [{ type: "Ready", status: "False" }] });
    await waitFeedback("widget", [
      { name: "phase", fieldValue: { type: "String", string: "Provisioning" } },
      { name: "ready", fieldValue: { type: "String", string: "False" } },
      { name: "count", fieldValue: { type: "Integer", integer: 1 } },
      { name: "healthy", fieldValue: { type: "Boolean", boolean: false } },
    ], "first status values");

    await setWidgetStatus("w1", { phase: "Running", count: 3, healthy: true, endpoints: ["10.0.0.1", "10.0.0.2"], conditions: [{ type: "Ready", status: "True" }] });
    w = await waitFeedback("widget", [
      { name: "phase", fieldValue: { type: "String", string: "Running" } },
      { name: "ready", fieldValue: { type: "String", string: "True" } },
      { name: "count", fieldValue: { type: "Integer", integer: 3 } },
      { name: "healthy", fieldValue: { type: "Boolean", boolean: true } },
      { name: "endpoints", fieldValue: { type: "JsonRaw", jsonRaw: '["10.0.0.1","10.0.0.2"]' } },
    ], "refreshed status values");
    expect(condition(manifestCondition(w, 0)?.conditions, "StatusFeedbackSynced")).toMatchObject({ status: "True", reason: "StatusFeedbackSynced", message: "5 values read" });
    // The Work did not change (same generation), and the agent did not write the spoke to read the values.
    expect(w.metadata.generation).toBe(created.metadata.generation);
    expect(await writeCount(agent, "spoke")).toBe(spokeWrites);
  });

  it("JSONPaths that fail are named in StatusFeedbackSynced=False; an oversized value is an error, not truncated JSON; the rest are read", async () => {
    const config: ManifestConfig = {
      resourceIdentifier: widgetId("w2"),
      feedbackRules: [{ type: "JSONPaths", jsonPaths: [{ name: "ok", path: ".count" }, { name: "typo", path: ".conditions[?(@.type==" }, { name: "huge", path: ".blob" }] }],
    };
    await putWork(hub, cluster, "broken-paths", [widget("w2")], { manifestConfigs: [config] });
    await waitForWorkCondition(hub.objects, cluster, "broken-paths", "Applied", "True");
    await setWidgetStatus("w2", { count: 7, blob: Array.from({ length: 300 }, (_, i) => `entry-${i}`) });
    const w = await waitFeedback("broken-paths", [{ name: "ok", fieldValue: { type: "Integer", integer: 7 } }], "the good value read");
    const synced = await waitFor(async () => {
      const c = await manifestCond("broken-paths", 0, "StatusFeedbackSynced");
      return c?.message?.includes("huge") ? c : undefined;
    }, { message: "StatusFeedbackSynced names the oversized value" });
    expect(synced).toMatchObject({ status: "False", reason: "StatusFeedbackFailed" });
    expect(synced.message).toContain("typo (.conditions[?(@.type==): the path does not parse: it ends too early");
    expect(synced.message).toMatch(/huge \(\.blob\): the value is \d+ bytes of JSON, more than 1024/);
    // Feedback failures do not fail the Work.
    expect(condition(w.status?.conditions, "Applied")?.status).toBe("True");
    expect(condition(w.status?.conditions, "Available")?.status).toBe("True");
  });

  it("WellKnownStatus: a Deployment's readyReplicas reaches its replica count on fake nodes", async () => {
    const deployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace: ns },
      spec: { replicas: 3, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx:1.27" }] } } },
    };
    const config: ManifestConfig = { resourceIdentifier: { group: "apps", resource: "deployments", namespace: ns, name: "web" }, feedbackRules: [{ type: "WellKnownStatus" }] };
    await putWork(hub, cluster, "web", [deployment], { manifestConfigs: [config] });
    const w = await waitFeedback("web", [
      { name: "replicas", fieldValue: { type: "Integer", integer: 3 } },
      { name: "readyReplicas", fieldValue: { type: "Integer", integer: 3 } },
      { name: "availableReplicas", fieldValue: { type: "Integer", integer: 3 } },
      { name: "updatedReplicas", fieldValue: { type: "Integer", integer: 3 } },
    ], "readyReplicas = replicas = 3", 90_000);
    expect(condition(manifestCondition(w, 0)?.conditions, "StatusFeedbackSynced")?.status).toBe("True");
    const live = await spoke.apps.readNamespacedDeployment({ name: "web", namespace: ns });
    expect(live.status?.readyReplicas).toBe(3);
  });
});

describe("ReadOnly with feedback and condition rules", () => {
  it("reports an object it never writes: values and a CEL condition follow its status through its own watch; no spoke write, nothing of the agent on it", async () => {
    // Made on the spoke by someone else; the Work only looks at it.
    await spoke.custom.createNamespacedCustomObject({ group, version: "v1", namespace: ns, plural: "widgets", body: { ...widget("w-ro"), spec: { size: 5 } } });
    await setWidgetStatus("w-ro", { phase: "Pending", count: 0 });
    const readRv = async (): Promise<string | undefined> => ((await spoke.custom.getNamespacedCustomObject({ group, version: "v1", namespace: ns, plural: "widgets", name: "w-ro" })) as { metadata: { resourceVersion?: string } }).metadata.resourceVersion;
    const rvBefore = await readRv();
    const config: ManifestConfig = {
      resourceIdentifier: widgetId("w-ro"),
      updateStrategy: { type: "ReadOnly" },
      feedbackRules: [{ type: "JSONPaths", jsonPaths: [{ name: "phase", path: ".phase" }, { name: "count", path: ".count" }] }],
      conditionRules: [{ condition: "Available", type: "CEL", celExpressions: ["object.status.phase == 'Running'"], message: "the widget runs" }],
    };
    await putWork(hub, cluster, "watcher", [widget("w-ro")], { manifestConfigs: [config] });
    await waitFeedback("watcher", [
      { name: "phase", fieldValue: { type: "String", string: "Pending" } },
      { name: "count", fieldValue: { type: "Integer", integer: 0 } },
    ], "read-only values");
    expect(await manifestCond("watcher", 0, "Applied")).toMatchObject({ status: "True", reason: "ReadOnly" });
    expect(await manifestCond("watcher", 0, "Available")).toMatchObject({ status: "False", reason: "ConditionRuleFalse" });
    // The first reconcile wrote its AppliedWork, not the object.
    expect(await readRv()).toBe(rvBefore);
    // From here on the object only changes on the spoke: the agent's spoke writes (its AppliedWork included) stay where they are.
    const spokeWrites = await writeCount(agent, "spoke");

    await setWidgetStatus("w-ro", { phase: "Running", count: 5 });
    await waitFeedback("watcher", [
      { name: "phase", fieldValue: { type: "String", string: "Running" } },
      { name: "count", fieldValue: { type: "Integer", integer: 5 } },
    ], "read-only values refreshed by the object's watch (resync off)");
    await waitFor(async () => (await manifestCond("watcher", 0, "Available"))?.status === "True", { message: "the CEL rule's Available=True" });
    expect(await writeCount(agent, "spoke")).toBe(spokeWrites);
    const live = (await spoke.custom.getNamespacedCustomObject({ group, version: "v1", namespace: ns, plural: "widgets", name: "w-ro" })) as { spec: unknown; metadata: { labels?: object; ownerReferences?: unknown[]; managedFields?: { manager?: string }[] } };
    expect(live.spec).toEqual({ size: 5 });
    expect(live.metadata.labels ?? {}).toEqual({});
    expect(live.metadata.ownerReferences ?? []).toEqual([]);
    // No manager of any Work (they end in a Work id).
    expect((live.metadata.managedFields ?? []).map((f) => f.manager ?? "").filter((m) => /-[0-9a-f]{10}$/.test(m))).toEqual([]);
  });
});

describe("conditionRules", () => {
  it("CEL rules set manifest conditions and the Work summary; a rule that does not compile or fails at run time is a ConditionRuleError condition, never a crash", async () => {
    const config: ManifestConfig = {
      resourceIdentifier: widgetId("w3"),
      conditionRules: [
        { condition: "Available", type: "CEL", celExpressions: ["has(object.status) && has(object.status.phase)", "object.status.phase == 'Running'"], message: "widget is running" },
        { condition: "Complete", type: "CEL", celExpressions: ["object.status.conditions.exists(c, c.type == 'Done' && c.status == 'True')"] },
        { condition: "Parsed", type: "CEL", celExpressions: ["object.status.phase == "] },
        { condition: "Runs", type: "CEL", celExpressions: ["object.status.noSuchKey == 1"] },
      ],
    };
    await putWork(hub, cluster, "rules", [widget("w3"), configMap(ns, "plain", { a: "1" })], { manifestConfigs: [config] });
    await waitForWorkCondition(hub.objects, cluster, "rules", "Applied", "True");
    await setWidgetStatus("w3", { phase: "Starting", conditions: [] });
    // Before the status is set the first expression is the false one: wait for the second, which follows the status.
    await waitFor(async () => {
      const c = await manifestCond("rules", 0, "Available");
      return c?.reason === "ConditionRuleFalse" && c.message?.startsWith("expression 2 of 2") === true && (await manifestCond("rules", 0, "Runs"))?.message?.includes("noSuchKey") === true;
    }, { message: "custom Available=False on the status just set" });
    let w = (await readWork(hub.objects, cluster, "rules"))!;
    const mc = manifestCondition(w, 0)?.conditions;
    expect(condition(mc, "Available")).toMatchObject({ status: "False", reason: "ConditionRuleFalse", message: "expression 2 of 2 is false: object.status.phase == 'Running'" });
    expect(condition(mc, "Complete")).toMatchObject({ status: "False", reason: "ConditionRuleFalse" });
    expect(condition(mc, "Parsed")).toMatchObject({ status: "False", reason: "ConditionRuleError" });
    expect(condition(mc, "Parsed")?.message).toMatch(/^expression 1 of 1 does not compile: /);
    expect(condition(mc, "Runs")).toMatchObject({ status: "False", reason: "ConditionRuleError", message: "expression 1 of 1 failed: field not found: noSuchKey" });
    // The agent stays up, the object is applied, the other manifest is untouched by the rules.
    expect(condition(mc, "Applied")?.status).toBe("True");
    expect(condition(manifestCondition(w, 1)?.conditions, "Available")).toMatchObject({ status: "True", reason: "ResourceExists" });
    expect(condition(w.status?.conditions, "Available")).toMatchObject({ status: "False", reason: "ManifestsNotAvailable" });
    expect(condition(w.status?.conditions, "Complete")).toMatchObject({ status: "False", reason: "ConditionRulesFalse" });
    expect(agent.proc.exitCode).toBeNull();

    // The live object's status changes: the rules follow (watch events), the Work summary with them.
    await setWidgetStatus("w3", { phase: "Running", conditions: [{ type: "Done", status: "True" }] });
    w = await waitForWorkCondition(hub.objects, cluster, "rules", "Available", "True");
    expect(condition(manifestCondition(w, 0)?.conditions, "Available")).toMatchObject({ status: "True", reason: "ConditionRuleTrue", message: "widget is running" });
    expect(condition(w.status?.conditions, "Complete")).toMatchObject({ status: "True", reason: "ConditionRulesTrue", message: "1 of 1 manifests with a Complete rule are Complete" });
  });
});

describe("kubectl work status", () => {
  it("shows the feedback values and the rule conditions, as text and as JSON", async () => {
    const text = await plugin(["status", "rules", "-n", cluster]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/✓ Available\s+True\s+ConditionRuleTrue\s+\S+\s+widget is running/);
    expect(text.stdout).toMatch(/✗ Parsed\s+False\s+ConditionRuleError/);
    const web = await plugin(["status", "web", "-n", cluster]);
    expect(web.stdout).toMatch(/feedback: replicas\s+= 3\n.*readyReplicas\s+= 3/);
    const json = await plugin(["status", "web", "-n", cluster, "-o", "json"]);
    const v = JSON.parse(json.stdout) as { manifests: { statusFeedback: { values: FeedbackValue[] }; conditions: { type: string; status: string }[] }[] };
    expect(v.manifests[0]?.statusFeedback.values.find((x) => x.name === "readyReplicas")).toEqual({ name: "readyReplicas", fieldValue: { type: "Integer", integer: 3 } });
    expect(v.manifests[0]?.conditions.find((c) => c.type === "StatusFeedbackSynced")?.status).toBe("True");
  });
});

describe("examples/feedback-work.yaml", () => {
  it("is accepted by the hub's CRD as it is (strict field validation) and reports what it says", async () => {
    // The one change: the cluster namespace of this test instead of cluster1. kubectl apply validates fields strictly.
    const example = readFileSync(join(REPO, "examples/feedback-work.yaml"), "utf8").replace(/^  namespace: cluster1$/m, `  namespace: ${cluster}`);
    expect(example).toContain(`namespace: ${cluster}`);
    await kubectlOk(hubKubeconfig(), ["apply", "-f", "-"], { input: example });
    const w = await waitForWorkCondition(hub.objects, cluster, "feedback-demo", "Complete", "True", { timeoutMs: 90_000 });
    await waitForWorkCondition(hub.objects, cluster, "feedback-demo", "Available", "True", { timeoutMs: 90_000 });
    expect(condition(manifestCondition(w, 1)?.conditions, "Complete")).toMatchObject({ status: "True", reason: "ConditionRuleTrue", message: "the migration ran" });
    const values = await waitFor(async () => {
      const v = await feedback("feedback-demo", 0);
      return v?.some((x) => x.name === "readyReplicas" && x.fieldValue.integer === 3) ? v : undefined;
    }, { timeoutMs: 90_000, message: "the example's Deployment ready" });
    expect(values).toContainEqual({ name: "available", fieldValue: { type: "String", string: "True" } });
    expect(await feedback("feedback-demo", 1)).toContainEqual({ name: "succeeded", fieldValue: { type: "Integer", integer: 1 } });
    expect(condition(manifestCondition(await readWork(hub.objects, cluster, "feedback-demo"), 0)?.conditions, "Available")).toMatchObject({ status: "True", reason: "ConditionRuleTrue", message: "every replica is ready" });
  });
});

describe("idle", () => {
  it("with feedback rules on steady objects, resyncs reconcile and the agent writes nothing", async () => {
    // The same Works, now under an agent that resyncs every 2 s.
    expect(await agent.stop()).toBe(0);
    agent = await startAgent({ hubKubeconfig: creds, spokeKubeconfig: spokeKubeconfig(1), clusterName: cluster, args: ["--resync-period", "2s"] });
    // Its first pass over every Work may write (nothing should, but settle first), then count.
    await waitReconciles(agent, 0, WORKS.length * 2);
    const hubWrites = await writeCount(agent, "hub");
    const spokeWrites = await writeCount(agent, "spoke");
    const since = await reconcileCount(agent);
    await waitReconciles(agent, since, WORKS.length * 2);
    expect(await writeCount(agent, "hub")).toBe(hubWrites);
    expect(await writeCount(agent, "spoke")).toBe(spokeWrites);
    expect(await feedback("web")).toContainEqual({ name: "readyReplicas", fieldValue: { type: "Integer", integer: 3 } });
  });
});
