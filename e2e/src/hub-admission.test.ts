/**
 * The agent's identity on the hub writes only a Work's status and finalizer.
 * RBAC grants it update on works (for the finalizer), which would also let it
 * rewrite the spec; the shipped ValidatingAdmissionPolicy
 * (deploy/hub/admission-policies.yaml, installed by localplane on every hub)
 * refuses that. Tested with the agent's own token.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WorkResource, type Work } from "@work-api/api";
import { KubeClient } from "@work-api/runtime";
import { mintAgentKubeconfig } from "./agent-harness.js";
import { hubKubeconfig, testNamespace } from "./env.js";

const cluster = testNamespace("hub-admission");
const admin = KubeClient.fromFile(hubKubeconfig());
let agent: KubeClient;

const work = (): Work => ({ apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "Work", metadata: { name: "w", namespace: cluster }, spec: { workload: { manifests: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "default" }, data: { a: "1" } }] } } });
const refusal = async (p: Promise<unknown>): Promise<string> => {
  const err = (await p.then(() => undefined, (e: unknown) => e)) as { statusCode?: number; message?: string } | undefined;
  return err === undefined ? "accepted" : `${err.statusCode}: ${err.message}`;
};

beforeAll(async () => {
  agent = KubeClient.fromFile(await mintAgentKubeconfig(hubKubeconfig(), cluster));
  await admin.create(WorkResource, work());
});

afterAll(() => {
  agent?.close();
  admin.close();
});

describe("the agent's identity on the hub", () => {
  it("may not change a Work's spec, labels, annotations or ownerReferences", async () => {
    const merge = (body: object): Promise<unknown> => agent.patch(WorkResource, "w", body, { namespace: cluster, type: "merge" });
    expect(await refusal(merge({ spec: { workload: { manifests: [] } } }))).toMatch(/^(403|422): .*may not change a Work's spec/);
    expect(await refusal(merge({ metadata: { labels: { evil: "1" } } }))).toMatch(/^(403|422): .*labels or annotations/);
    expect(await refusal(merge({ metadata: { annotations: { evil: "1" } } }))).toMatch(/^(403|422): .*labels or annotations/);
    const owner = [{ apiVersion: "v1", kind: "ConfigMap", name: "gone", uid: "00000000-0000-0000-0000-000000000000" }];
    expect(await refusal(merge({ metadata: { ownerReferences: owner } }))).toMatch(/^(403|422): .*ownerReferences/);
    const live = await admin.get<Work>(WorkResource, "w", { namespace: cluster });
    expect(live.spec.workload?.manifests).toHaveLength(1);
    expect(live.metadata.labels?.evil).toBeUndefined();
  });

  it("may not add or remove anyone else's finalizer", async () => {
    const merge = (body: object): Promise<unknown> => agent.patch(WorkResource, "w", body, { namespace: cluster, type: "merge" });
    expect(await refusal(merge({ metadata: { finalizers: ["example.com/never-released"] } }))).toMatch(/^(403|422): .*only its own finalizer/);
    await admin.patch(WorkResource, "w", { metadata: { finalizers: ["example.com/keep"] } }, { namespace: cluster, type: "merge" });
    expect(await refusal(merge({ metadata: { finalizers: null } }))).toMatch(/^(403|422): .*only its own finalizer/);
    await admin.patch(WorkResource, "w", { metadata: { finalizers: null } }, { namespace: cluster, type: "merge" });
  });

  it("may still handle its finalizer on a Work without a spec (the policy never errors)", async () => {
    await admin.create<Work>(WorkResource, { apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "Work", metadata: { name: "nospec", namespace: cluster } } as Work);
    const f = "multicluster.x-k8s.io/work-cleanup";
    expect(await refusal(agent.patch(WorkResource, "nospec", { metadata: { finalizers: [f] } }, { namespace: cluster, type: "merge" }))).toBe("accepted");
    expect(await refusal(agent.patch(WorkResource, "nospec", { metadata: { finalizers: null } }, { namespace: cluster, type: "merge" }))).toBe("accepted");
    expect(await refusal(agent.patch(WorkResource, "nospec", { spec: { workload: { manifests: [] } } }, { namespace: cluster, type: "merge" }))).toMatch(/^(403|422): .*spec/);
  });

  it("may still add and remove its finalizer and write the status; an admin may still edit the spec", async () => {
    const f = "multicluster.x-k8s.io/work-cleanup";
    expect(await refusal(agent.patch(WorkResource, "w", { metadata: { finalizers: [f] } }, { namespace: cluster, type: "merge" }))).toBe("accepted");
    expect(await refusal(agent.patch(WorkResource, "w", { status: { conditions: [{ type: "Applied", status: "True", reason: "AppliedWorkComplete", message: "ok", lastTransitionTime: "2026-01-01T00:00:00Z" }] } }, { namespace: cluster, type: "merge", subresource: "status" }))).toBe("accepted");
    expect(await refusal(agent.patch(WorkResource, "w", { metadata: { finalizers: null } }, { namespace: cluster, type: "merge" }))).toBe("accepted");
    expect(await refusal(admin.patch(WorkResource, "w", { spec: { workload: { manifests: [] } } }, { namespace: cluster, type: "merge" }))).toBe("accepted");
  });
});
