/**
 * Rules 7 and 8: conditions that tell the truth (custom resources' Ready,
 * readiness kept through a failed update, `created` only for HTTP 201, a 404
 * that says what is missing) and hub writes that are patches sized by what
 * changed (no PUT of a whole Work).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clients, deleteIfExists, getOrUndefined, hubKubeconfig, kubectlOk, spokeKubeconfig, testNamespace, uniqueName, waitFor } from "./env.js";
import { mintAgentKubeconfig, startAgent, sumMetric, type AgentProcess } from "./agent-harness.js";
import { condition, manifestCondition, waitForWorkCondition } from "./work-helpers.js";
import { configMap, deleteWork, putWork, waitWorkGone, writeCount } from "./contract-helpers.js";

const cluster = testNamespace("agent-conditions");
const ns = testNamespace("agent-conditions-spoke", { on: ["spoke1"] });
const hub = clients(hubKubeconfig());
const spoke = clients(spokeKubeconfig(1));
let agent: AgentProcess;
const group = `${uniqueName("cond")}.example.com`;
const crd = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: `databases.${group}` },
  spec: {
    group,
    scope: "Namespaced",
    names: { plural: "databases", singular: "database", kind: "Database", listKind: "DatabaseList" },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: { openAPIV3Schema: { type: "object", properties: { spec: { type: "object", properties: { size: { type: "integer" } } }, status: { type: "object", properties: { conditions: { type: "array", items: { type: "object", properties: Object.fromEntries(["type", "status", "reason", "message", "lastTransitionTime"].map((k) => [k, { type: "string" }])) } } } } } } },
      },
    ],
  },
};
beforeAll(async () => {
  await spoke.objects.create(crd);
  await waitFor(async () => {
    const c = (await getOrUndefined(spoke.objects, crd)) as { status?: { conditions?: { type: string; status: string }[] } } | undefined;
    return c?.status?.conditions?.some((x) => x.type === "Established" && x.status === "True");
  }, { message: "CRD established" });
  agent = await startAgent({ hubKubeconfig: await mintAgentKubeconfig(hubKubeconfig(), cluster), spokeKubeconfig: spokeKubeconfig(1), clusterName: cluster });
});

afterAll(async () => {
  expect(await agent?.stop()).toBe(0);
  await deleteIfExists(spoke.objects, crd);
});

const db = (spec: Record<string, unknown>) => ({ apiVersion: `${group}/v1`, kind: "Database", metadata: { name: "db", namespace: ns }, spec });

async function manifestAvailable(name: string): Promise<{ status?: string; message?: string; reason?: string } | undefined> {
  const w = await waitForWorkCondition(hub.objects, cluster, name, "Applied", "True").catch(() => undefined);
  return condition(manifestCondition(w, 0)?.conditions, "Available");
}

describe("manifest conditions", () => {
  it("use a custom resource's Ready condition for Available, and keep the live readiness when an update fails", async () => {
    await putWork(hub, cluster, "db", [db({ size: 1 })]);
    await waitForWorkCondition(hub.objects, cluster, "db", "Applied", "True");
    await spoke.custom.patchNamespacedCustomObjectStatus({
      group, version: "v1", namespace: ns, plural: "databases", name: "db",
      body: [{ op: "add", path: "/status", value: { conditions: [{ type: "Ready", status: "False", reason: "Starting", message: "replicas starting", lastTransitionTime: new Date().toISOString() }] } }],
    });
    await waitFor(async () => (await manifestAvailable("db"))?.status === "False", { message: "Available=False from Ready=False" });
    expect((await manifestAvailable("db"))?.message).toContain("replicas starting");
    await spoke.custom.patchNamespacedCustomObjectStatus({
      group, version: "v1", namespace: ns, plural: "databases", name: "db",
      body: [{ op: "replace", path: "/status/conditions/0", value: { type: "Ready", status: "True", reason: "Running", message: "all good", lastTransitionTime: new Date().toISOString() } }],
    });
    await waitForWorkCondition(hub.objects, cluster, "db", "Available", "True");

    // An update the API server rejects (unknown field, strict validation): Applied=False, Available stays what the live object says.
    await putWork(hub, cluster, "db", [db({ size: 2, bogus: true })]);
    const w = await waitForWorkCondition(hub.objects, cluster, "db", "Applied", "False");
    const mc = manifestCondition(w, 0);
    expect(condition(mc?.conditions, "Applied")?.reason).toBe("ManifestRejected");
    expect(condition(mc?.conditions, "Available")?.status).toBe("True");
    expect(condition(w.status?.conditions, "Available")?.status).toBe("True");
  });

  it("says which is missing on a 404: the namespace, or the kind", async () => {
    await putWork(hub, cluster, "missing", [configMap(uniqueName("nowhere"), "cm", { a: "1" }), db({ size: 3 })]);
    let w = await waitForWorkCondition(hub.objects, cluster, "missing", "Applied", "False");
    expect(condition(manifestCondition(w, 0)?.conditions, "Applied")?.reason).toBe("NamespaceNotFound");
    await deleteIfExists(spoke.objects, crd);
    await waitFor(async () => (await getOrUndefined(spoke.objects, crd)) === undefined, { message: "CRD gone" });
    await putWork(hub, cluster, "missing", [configMap(uniqueName("nowhere"), "cm", { a: "1" }), db({ size: 4 })]);
    w = await waitFor(async () => {
      const x = await waitForWorkCondition(hub.objects, cluster, "missing", "Applied", "False");
      return condition(manifestCondition(x, 1)?.conditions, "Applied")?.reason !== undefined ? x : undefined;
    });
    const applied = condition(manifestCondition(w, 1)?.conditions, "Applied");
    expect(applied?.reason).toBe("KindNotFound");
    expect(applied?.message).toContain("Database");
    await deleteWork(hub, cluster, "missing");
    await deleteWork(hub, cluster, "db");
  });

  it("counts created only for a real create: an update of a ConfigMap is configured", async () => {
    const m = async (action: string) => sumMetric(await agent.metrics(), "work_agent_manifests_total", { action });
    const created0 = await m("created");
    await putWork(hub, cluster, "count", [configMap(ns, "count", { a: "1" })]);
    await waitForWorkCondition(hub.objects, cluster, "count", "Applied", "True");
    await waitFor(async () => (await m("created")) === created0 + 1, { message: "one create counted" });
    const configured0 = await m("configured");
    await putWork(hub, cluster, "count", [configMap(ns, "count", { a: "2" })]);
    await waitForWorkCondition(hub.objects, cluster, "count", "Applied", "True");
    await waitFor(async () => (await m("configured")) === configured0 + 1, { message: "one update counted as configured" });
    expect(await m("created")).toBe(created0 + 1);
    // An object that existed before the Work (created by kubectl, not in the agent's cache) is taken over: configured, not created.
    await kubectlOk(spokeKubeconfig(1), ["create", "configmap", "preexisting", "-n", ns, "--from-literal=a=0"]);
    await putWork(hub, cluster, "count", [configMap(ns, "count", { a: "2" }), configMap(ns, "preexisting", { a: "1" })]);
    await waitForWorkCondition(hub.objects, cluster, "count", "Applied", "True");
    await waitFor(async () => (await m("configured")) === configured0 + 2, { message: "the take-over counted as configured" });
    expect(await m("created")).toBe(created0 + 1);
  });
});

describe("writes to the hub", () => {
  it("are patches: a Work near the object size limit gets finalizer and status with small requests, and no PUT", async () => {
    const big = "x".repeat(600 * 1024);
    const puts0 = await writeCount(agent, "hub", ["PUT"]);
    const bytes = async () => sumMetric(await agent.metrics(), "work_agent_kube_request_bytes_total", { cluster: "hub" });
    const bytes0 = await bytes();
    await putWork(hub, cluster, "big", [configMap(ns, "big-1", { v: big }), configMap(ns, "big-2", { v: big })]);
    await waitForWorkCondition(hub.objects, cluster, "big", "Applied", "True");
    await deleteWork(hub, cluster, "big");
    await waitWorkGone(hub, cluster, "big");
    const sent = (await bytes()) - bytes0;
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThan(100 * 1024);
    expect(await writeCount(agent, "hub", ["PUT"])).toBe(puts0);
  });
});
