/**
 * Who may name an executor, on the hub: the shipped ValidatingAdmissionPolicy
 * work-executor-execute-as (deploy/hub/admission-policies.yaml, installed by
 * localplane on every hub) lets a user set or change a Work's (or a
 * WorkPlacement template's) spec.executor only with `execute-as` on that
 * ServiceAccount (as OCM). Tested with a tenant's own token that may create
 * Works and WorkPlacements in its namespace.
 */
import { RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WorkPlacementResource, WorkResource, type Work } from "@work-api/api";
import { KubeClient } from "@work-api/runtime";
import { serviceAccountKubeconfig } from "./agent-harness.js";
import { clients, hubKubeconfig, testNamespace } from "./env.js";

const ns = testNamespace("execute-as");
const hub = clients(hubKubeconfig());
const rbac = hub.kc.makeApiClient(RbacAuthorizationV1Api);
let tenant: KubeClient;

const executor = (namespace: string, name: string): Record<string, unknown> => ({ executor: { subject: { type: "ServiceAccount", serviceAccount: { namespace, name } } } });
const work = (name: string, extra: Record<string, unknown> = {}): Work => ({
  apiVersion: "multicluster.x-k8s.io/v1alpha1",
  kind: "Work",
  metadata: { name, namespace: ns },
  spec: { workload: { manifests: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" }, data: { a: "1" } }] }, ...extra },
});
const outcome = async (p: Promise<unknown>): Promise<string> => {
  const err = (await p.then(() => undefined, (e: unknown) => e)) as { statusCode?: number; message?: string } | undefined;
  return err === undefined ? "accepted" : `${err.statusCode}: ${err.message}`;
};

beforeAll(async () => {
  await hub.core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: "tenant" } } });
  await rbac.createNamespacedRole({
    namespace: ns,
    body: {
      metadata: { name: "tenant" },
      rules: [
        { apiGroups: ["multicluster.x-k8s.io"], resources: ["works", "workplacements"], verbs: ["get", "list", "create", "update", "patch", "delete"] },
        // May execute as team-a/deployer only.
        { apiGroups: ["multicluster.x-k8s.io"], resources: ["serviceaccounts"], resourceNames: ["system:serviceaccount:team-a:deployer"], verbs: ["execute-as"] },
      ],
    },
  });
  await rbac.createNamespacedRoleBinding({ namespace: ns, body: { metadata: { name: "tenant" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "tenant" }, subjects: [{ kind: "ServiceAccount", name: "tenant", namespace: ns }] } });
  tenant = KubeClient.fromFile(await serviceAccountKubeconfig(hubKubeconfig(), ns, "tenant"));
});

afterAll(() => tenant?.close());

describe("naming an executor on the hub (execute-as)", () => {
  it("accepts a Work without an executor, and one naming an executor the author may execute as", async () => {
    expect(await outcome(tenant.create(WorkResource, work("plain")))).toBe("accepted");
    expect(await outcome(tenant.create(WorkResource, work("allowed", executor("team-a", "deployer"))))).toBe("accepted");
  });

  it("refuses a Work naming any other executor, and an edit that switches to one, naming the permission", async () => {
    const created = await outcome(tenant.create(WorkResource, work("grab", executor("kube-system", "namespace-controller"))));
    expect(created).toMatch(/^403: .*may not name the executor system:serviceaccount:kube-system:namespace-controller.*execute-as/);
    const switched = await outcome(tenant.patch(WorkResource, "allowed", { spec: executor("kube-system", "namespace-controller") }, { namespace: ns, type: "merge" }));
    expect(switched).toMatch(/^403: .*execute-as/);
    const live = await tenant.get<Work>(WorkResource, "allowed", { namespace: ns });
    expect((live.spec as { executor?: { subject: { serviceAccount: { namespace: string } } } }).executor?.subject.serviceAccount.namespace).toBe("team-a");
  });

  it("checks the workload under an executor the author may not use, not a label edit", async () => {
    // An admin set an executor the tenant may not use.
    await hub.objects.create({ ...work("admins"), spec: { ...work("admins").spec, ...executor("ops", "root") } } as never);
    expect(await outcome(tenant.patch(WorkResource, "admins", { metadata: { labels: { touched: "yes" } } }, { namespace: ns, type: "merge" }))).toBe("accepted");
    // New manifests would run as ops/root: refused.
    const swap = { spec: { workload: { manifests: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "swapped", namespace: "default" } }] } } };
    expect(await outcome(tenant.patch(WorkResource, "admins", swap, { namespace: ns, type: "merge" }))).toMatch(/^403: .*system:serviceaccount:ops:root.*execute-as/);
    // Under an executor the tenant may use, it may change the workload.
    const mine = { spec: { workload: { manifests: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "mine2", namespace: "default" } }] } } };
    expect(await outcome(tenant.patch(WorkResource, "allowed", mine, { namespace: ns, type: "merge" }))).toBe("accepted");
  });

  it("gives a tenant's own ServiceAccount named work-hub nothing of the hub controller's fan-out exemption", async () => {
    await hub.core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: "work-hub" } } });
    await rbac.createNamespacedRoleBinding({ namespace: ns, body: { metadata: { name: "fake-hub" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "tenant" }, subjects: [{ kind: "ServiceAccount", name: "work-hub", namespace: ns }] } });
    const fake = KubeClient.fromFile(await serviceAccountKubeconfig(hubKubeconfig(), ns, "work-hub", 600));
    try {
      expect(await outcome(fake.create(WorkResource, work("fake-fanout", executor("kube-system", "namespace-controller"))))).toMatch(/^403: .*execute-as/);
    } finally {
      fake.close();
    }
  });

  it("checks a WorkPlacement's template the same way", async () => {
    const placement = (name: string, extra: Record<string, unknown>): object => ({
      apiVersion: "multicluster.x-k8s.io/v1alpha1",
      kind: "WorkPlacement",
      metadata: { name, namespace: ns },
      spec: { clusterSelector: { matchLabels: { none: "x" } }, workTemplate: { spec: { workload: { manifests: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" } }] }, ...extra } } },
    });
    expect(await outcome(tenant.create(WorkPlacementResource, placement("ok", executor("team-a", "deployer"))))).toBe("accepted");
    expect(await outcome(tenant.create(WorkPlacementResource, placement("grab", executor("kube-system", "namespace-controller"))))).toMatch(/^403: .*execute-as/);
    // An admin's placement with an executor the tenant may not use: the tenant may not send it to other clusters.
    await hub.objects.create(placement("admins-p", executor("ops", "root")) as never);
    const retarget = { spec: { clusterSelector: { matchLabels: { env: "prod" } } } };
    expect(await outcome(tenant.patch(WorkPlacementResource, "admins-p", retarget, { namespace: ns, type: "merge" }))).toMatch(/^403: .*system:serviceaccount:ops:root.*execute-as/);
    expect(await outcome(tenant.patch(WorkPlacementResource, "admins-p", { metadata: { labels: { touched: "yes" } } }, { namespace: ns, type: "merge" }))).toBe("accepted");
  });
});
