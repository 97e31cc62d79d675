/**
 * The spoke agent against a real hub and a real spoke: apply order, the
 * AppliedWork anchor, per-Work field managers, status, and no-op reconciles.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WORK_FINALIZER, type AppliedWork } from "@work-api/api";
import { NEVER_READY_LABEL } from "@work-api/localplane";
import { apply, clients, getOrUndefined, hubKubeconfig, kubectl, spokeKubeconfig, testNamespace, uniqueName, waitFor } from "./env.js";
import { mintAgentKubeconfig, startAgent, sumMetric, type AgentProcess } from "./agent-harness.js";
import { condition, manifestCondition, readWork, waitForWorkCondition, workObject } from "./work-helpers.js";

const cluster = testNamespace("agent-apply");
const hub = clients(hubKubeconfig());
const spoke = clients(spokeKubeconfig(1));
let agent: AgentProcess;

beforeAll(async () => {
  const creds = await mintAgentKubeconfig(hubKubeconfig(), cluster);
  agent = await startAgent({ hubKubeconfig: creds, spokeKubeconfig: spokeKubeconfig(1), clusterName: cluster, args: ["--resync-period", "2s"] });
});

afterAll(async () => {
  expect(await agent?.stop()).toBe(0);
});

async function listAppliedWorks(): Promise<AppliedWork[]> {
  const res = await spoke.custom.listClusterCustomObject({ group: "multicluster.x-k8s.io", version: "v1alpha1", plural: "appliedworks" });
  return (res as { items: AppliedWork[] }).items;
}

describe("work-agent applying a Work", () => {
  const ns = uniqueName("agent-apply");

  it("applies the seed Work unchanged and reports Applied and Available", async () => {
    const seed = workObject(cluster, "work-sample", [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm", namespace: "default" }, data: { "ui.properties": "color=purple\n" } }]);
    await hub.objects.create(seed);
    const work = await waitForWorkCondition(hub.objects, cluster, "work-sample", "Applied", "True");
    expect(condition(work.status?.conditions, "Available")?.status).toBe("True");
    expect(work.metadata.finalizers).toContain(WORK_FINALIZER);
    const cm = await spoke.core.readNamespacedConfigMap({ name: "cm", namespace: "default" });
    expect(cm.data).toEqual({ "ui.properties": "color=purple\n" });
    const mc = manifestCondition(work, 0);
    expect(mc?.identifier).toMatchObject({ ordinal: 0, group: "", version: "v1", kind: "ConfigMap", resource: "configmaps", namespace: "default", name: "cm" });
    expect(condition(mc?.conditions, "Applied")).toMatchObject({ status: "True", reason: "AppliedManifestComplete" });
  });

  it("works with kubectl wait for Applied and Available", async () => {
    const res = await kubectl(hubKubeconfig(), ["wait", "--for=condition=Applied", "work/work-sample", "-n", cluster, "--timeout=60s"]);
    expect(res.code, res.stderr).toBe(0);
    const av = await kubectl(hubKubeconfig(), ["wait", "--for=condition=Available", "work/work-sample", "-n", cluster, "--timeout=60s"]);
    expect(av.code, av.stderr).toBe(0);
  });

  it("applies Namespaces and CRDs first, waits for the CRD, and keeps each manifest's ordinal", async () => {
    const group = `${ns}.example.com`;
    const crd = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: `widgets.${group}` },
      spec: {
        group,
        scope: "Namespaced",
        names: { plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList" },
        versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", properties: { spec: { type: "object", properties: { size: { type: "integer" } } } } } } }],
      },
    };
    const manifests = [
      { apiVersion: `${group}/v1`, kind: "Widget", metadata: { name: "w", namespace: ns }, spec: { size: 3 } },
      { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: ns }, spec: { replicas: 0, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx" }] } } } },
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cfg", namespace: ns }, data: { a: "1" } },
      crd,
      { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } },
    ];
    await hub.objects.create(workObject(cluster, "ordered", manifests));
    const work = await waitForWorkCondition(hub.objects, cluster, "ordered", "Applied", "True");
    expect(work.status?.manifestConditions?.map((m) => [m.identifier.ordinal, m.identifier.kind])).toEqual([
      [0, "Widget"],
      [1, "Deployment"],
      [2, "ConfigMap"],
      [3, "CustomResourceDefinition"],
      [4, "Namespace"],
    ]);
    const widget = await spoke.custom.getNamespacedCustomObject({ group, version: "v1", namespace: ns, plural: "widgets", name: "w" });
    expect((widget as { spec: { size: number } }).spec.size).toBe(3);
    // Created before its dependants: the Namespace is older than or as old as everything in it.
    const nsObj = await spoke.core.readNamespace({ name: ns });
    const cfg = await spoke.core.readNamespacedConfigMap({ name: "cfg", namespace: ns });
    expect(Number(nsObj.metadata!.resourceVersion)).toBeLessThan(Number(cfg.metadata!.resourceVersion));
    // A Deployment scaled to zero becomes Available once its controller observed it.
    await waitForWorkCondition(hub.objects, cluster, "ordered", "Available", "True");
  });

  it("anchors every applied object on the AppliedWork and lists them with their uids", async () => {
    const aws = await listAppliedWorks();
    const aw = aws.find((a) => a.spec.workName === "ordered" && a.spec.workNamespace === cluster);
    expect(aw, JSON.stringify(aws.map((a) => a.metadata.name))).toBeDefined();
    expect(aw!.metadata.name).toMatch(new RegExp(`^${cluster}\\.ordered-[0-9a-f]{10}$`));
    const resources = aw!.status?.appliedResources ?? [];
    expect(resources.map((r) => r.kind).sort()).toEqual(["ConfigMap", "CustomResourceDefinition", "Deployment", "Namespace", "Widget"]);
    const cfg = await spoke.core.readNamespacedConfigMap({ name: "cfg", namespace: ns });
    expect(resources.find((r) => r.kind === "ConfigMap")?.uid).toBe(cfg.metadata!.uid);
    expect(cfg.metadata!.ownerReferences).toEqual([
      expect.objectContaining({ apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "AppliedWork", name: aw!.metadata.name, uid: aw!.metadata.uid, controller: false }),
    ]);
    // Cluster-scoped objects are owned too, so deleting the AppliedWork removes them through the garbage collector.
    const nsObj = await spoke.core.readNamespace({ name: ns });
    expect(nsObj.metadata!.ownerReferences).toEqual([expect.objectContaining({ kind: "AppliedWork", name: aw!.metadata.name, uid: aw!.metadata.uid, controller: false })]);
  });

  it("applies with one field manager per Work, so the API server records which Work owns which field", async () => {
    const cfg = await spoke.core.readNamespacedConfigMap({ name: "cfg", namespace: ns });
    const managers = (cfg.metadata!.managedFields ?? []).map((f) => [f.manager, f.operation]);
    expect(managers).toEqual([[expect.stringMatching(/^work-agent-[0-9a-f]{10}$/), "Apply"]]);
    const seedCm = await spoke.core.readNamespacedConfigMap({ name: "cm", namespace: "default" });
    expect(seedCm.metadata!.managedFields?.[0]?.manager).not.toBe(cfg.metadata!.managedFields?.[0]?.manager);
  });

  it("does not write when nothing changed: resyncs reconcile again with zero writes to hub and spoke", async () => {
    await waitForWorkCondition(hub.objects, cluster, "ordered", "Available", "True");
    // Let in-flight status updates settle, then count.
    await new Promise((r) => setTimeout(r, 3000));
    const before = await agent.metrics();
    await new Promise((r) => setTimeout(r, 5000));
    const after = await agent.metrics();
    const writes = (m: Map<string, number>, c: string) => ["POST", "PUT", "PATCH", "DELETE"].reduce((s, verb) => s + sumMetric(m, "work_agent_kube_requests_total", { cluster: c, verb }), 0);
    const reconciles = sumMetric(after, "controller_runtime_reconcile_total", { controller: "work" }) - sumMetric(before, "controller_runtime_reconcile_total", { controller: "work" });
    expect(reconciles).toBeGreaterThanOrEqual(4); // two Works, resync every 2 s, 5 s window
    expect(writes(after, "hub") - writes(before, "hub")).toBe(0);
    expect(writes(after, "spoke") - writes(before, "spoke")).toBe(0);
  });

  it("reverts an out-of-band edit of a field the Work sets", async () => {
    await spoke.core.patchNamespacedConfigMap({ name: "cfg", namespace: ns, body: [{ op: "replace", path: "/data/a", value: "edited" }] });
    await waitFor(async () => (await spoke.core.readNamespacedConfigMap({ name: "cfg", namespace: ns })).data?.a === "1", { timeoutMs: 30_000, message: "drift reverted" });
  });

  it("updates the object and the status when the Work changes", async () => {
    const w = (await readWork(hub.objects, cluster, "ordered"))!;
    const manifests = structuredClone(w.spec.workload!.manifests!);
    (manifests[2] as { data: Record<string, string> }).data = { a: "2" };
    await apply(hub.objects, { ...workObject(cluster, "ordered", manifests) });
    const updated = await waitForWorkCondition(hub.objects, cluster, "ordered", "Applied", "True");
    expect(updated.metadata.generation).toBeGreaterThan(1);
    await waitFor(async () => (await spoke.core.readNamespacedConfigMap({ name: "cfg", namespace: ns })).data?.a === "2", { message: "configmap updated" });
  });

  it("reports the spoke object's generation as a manifest condition's observedGeneration", async () => {
    const work = await waitForWorkCondition(hub.objects, cluster, "ordered", "Available", "True");
    const dep = await spoke.apps.readNamespacedDeployment({ name: "web", namespace: ns });
    expect(condition(manifestCondition(work, 1)?.conditions, "Applied")?.observedGeneration).toBe(dep.metadata!.generation);
    expect(condition(work.status?.conditions, "Applied")?.observedGeneration).toBe(work.metadata.generation);
  });

  it("cleans up: deleting the Works removes what they applied", async () => {
    await hub.objects.delete({ apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "Work", metadata: { name: "ordered", namespace: cluster } });
    await hub.objects.delete({ apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "Work", metadata: { name: "work-sample", namespace: cluster } });
    await waitFor(async () => (await readWork(hub.objects, cluster, "ordered")) === undefined && (await readWork(hub.objects, cluster, "work-sample")) === undefined, { timeoutMs: 60_000, message: "works gone" });
    expect(await getOrUndefined(spoke.objects, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm", namespace: "default" } })).toBeUndefined();
    expect(await getOrUndefined(spoke.objects, { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: `widgets.${ns}.example.com` } })).toBeUndefined();
  });
});

describe("work-agent events", () => {
  it("records what it changed and what failed as Events on the Work", async () => {
    await apply(hub.objects, workObject(cluster, "evented", [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ev", namespace: "default" }, data: { a: "1" } }, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ev-bad" }, data: {} }]));
    const events = await waitFor(async () => {
      const list = await hub.core.listNamespacedEvent({ namespace: cluster, fieldSelector: "involvedObject.name=evented" });
      const reasons = list.items.map((e) => e.reason);
      return reasons.includes("Applied") && reasons.includes("ManifestsFailed") ? list.items : undefined;
    }, { timeoutMs: 30_000, message: "Applied and ManifestsFailed events" });
    const failed = events.find((e) => e.reason === "ManifestsFailed")!;
    expect(failed.type).toBe("Warning");
    expect(failed.message).toContain("manifest 1 (ConfigMap ev-bad): ConfigMap is namespaced");
    expect(events.find((e) => e.reason === "Applied")?.message).toBe("Manifests applied to the spoke: created 1");
    await hub.objects.delete({ apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "Work", metadata: { name: "evented", namespace: cluster } });
    await waitFor(async () => (await readWork(hub.objects, cluster, "evented")) === undefined, { timeoutMs: 30_000 });
  });
});

describe("work-agent readiness", () => {
  it("reports a Deployment whose pods cannot run as Applied but not Available, and progressing", async () => {
    const ns = uniqueName("ready");
    await apply(hub.objects, workObject(cluster, "unready", [
      { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } },
      { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: ns }, spec: { replicas: 1, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web", [NEVER_READY_LABEL]: "true" } }, spec: { containers: [{ name: "web", image: "nginx" }] } } } },
    ]));
    // kwok runs the pod on a fake node but keeps it not ready (the local plane's never-ready label).
    const work = await waitFor(async () => {
      const w = await readWork(hub.objects, cluster, "unready");
      const c = condition(manifestCondition(w, 1)?.conditions, "Available");
      return c?.status === "False" ? w : undefined;
    }, { timeoutMs: 30_000, message: "deployment not available" });
    expect(condition(work.status?.conditions, "Applied")?.status).toBe("True");
    expect(condition(work.status?.conditions, "Available")).toMatchObject({ status: "False", reason: "ManifestsNotAvailable" });
    expect(condition(work.status?.conditions, "Progressing")?.status).toBe("True");
    expect(condition(manifestCondition(work, 1)?.conditions, "Available")?.message).toMatch(/^0 of 1 replicas available \(0\/1 available, 1\/1 updated/);
    const wait = await kubectl(hubKubeconfig(), ["wait", "--for=condition=Available", "work/unready", "-n", cluster, "--timeout=2s"]);
    expect(wait.code).not.toBe(0);
    await hub.objects.delete({ apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "Work", metadata: { name: "unready", namespace: cluster } });
    await waitFor(async () => (await readWork(hub.objects, cluster, "unready")) === undefined, { timeoutMs: 60_000 });
  });
});
