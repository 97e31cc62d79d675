/**
 * Executors (spec.executor.subject): the agent runs under exactly the spoke
 * RBAC that `work-hub join` ships (it may read everything but write only its
 * AppliedWorks, and impersonate only the default executor), and writes every
 * Work's objects as the Work's executor ServiceAccount, so the spoke's own
 * RBAC decides what each Work may do.
 *
 * The spoke is a private cluster: the join manifests' ClusterRoles have fixed
 * names, and the shared spokes serve other files with other identities.
 */
import { PatchStrategy } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppliedWork } from "@work-api/api";
import { joinManifests } from "@work-api/hub";
import { mintAgentKubeconfig, serviceAccountKubeconfig, startAgent, type AgentProcess } from "./agent-harness.js";
import { appliedWorksOf, configMap, putWork, readConfigMap } from "./contract-helpers.js";
import { clients, getOrUndefined, hubKubeconfig, kubectlOk, testNamespace, waitFor } from "./env.js";
import { startPrivateCluster, type PrivateCluster } from "./fault-plane.js";
import { manifestCondition, readWork, waitForWorkCondition } from "./work-helpers.js";

const cluster = testNamespace("executor");
const hub = clients(hubKubeconfig());
const AGENT_NS = "work-agent";
let spoke: PrivateCluster;
let agent: AgentProcess;

const executor = (namespace: string, name: string): Record<string, unknown> => ({ executor: { subject: { type: "ServiceAccount", serviceAccount: { namespace, name } } } });

beforeAll(async () => {
  spoke = await startPrivateCluster("spokeexec", "spoke");
  // The join manifests' RBAC as shipped (all but the hub kubeconfig Secret and the Deployment: the agent runs here as a process).
  const rbac = joinManifests({ clusterName: cluster, kubeconfig: "", agentNamespace: AGENT_NS, image: "unused" }).filter((m) => m.kind !== "Secret" && m.kind !== "Deployment");
  await kubectlOk(spoke.kubeconfig, ["apply", "-f", "-"], { input: JSON.stringify({ apiVersion: "v1", kind: "List", items: rbac }) });
  // Two tenants: team-a's deployer may write in team-a only, and the agent may impersonate it (granted in team-a).
  await kubectlOk(spoke.kubeconfig, ["apply", "-f", "-"], {
    input: JSON.stringify({
      apiVersion: "v1",
      kind: "List",
      items: [
        { apiVersion: "v1", kind: "Namespace", metadata: { name: "team-a" } },
        { apiVersion: "v1", kind: "Namespace", metadata: { name: "team-b" } },
        { apiVersion: "v1", kind: "Namespace", metadata: { name: "default-exec" } },
        { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "deployer", namespace: "team-a" } },
        { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "deployer-edit", namespace: "team-a" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "edit" }, subjects: [{ kind: "ServiceAccount", name: "deployer", namespace: "team-a" }] },
        { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "work-agent-impersonate", namespace: "team-a" }, rules: [{ apiGroups: [""], resources: ["serviceaccounts"], resourceNames: ["deployer"], verbs: ["impersonate"] }] },
        { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "work-agent-impersonate", namespace: "team-a" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "work-agent-impersonate" }, subjects: [{ kind: "ServiceAccount", name: "work-agent", namespace: AGENT_NS }] },
        // team-a is written by its deployer only: the default executor (whose workload rights span
        // every namespace) is refused there, so a write, prune or delete done as anyone but the
        // Work's executor fails visibly.
        {
          apiVersion: "admissionregistration.k8s.io/v1",
          kind: "ValidatingAdmissionPolicy",
          metadata: { name: "team-a-by-its-deployer-only" },
          spec: {
            failurePolicy: "Fail",
            matchConstraints: { resourceRules: [{ apiGroups: ["*"], apiVersions: ["*"], operations: ["CREATE", "UPDATE", "DELETE"], resources: ["*/*"] }] },
            matchConditions: [{ name: "team-a", expression: "request.?namespace.orValue('') == 'team-a'" }],
            validations: [{ expression: "request.userInfo.username == 'system:serviceaccount:team-a:deployer' || !request.userInfo.username.startsWith('system:serviceaccount:work-agent:')", message: "team-a is written by team-a/deployer only" }],
          },
        },
        { apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingAdmissionPolicyBinding", metadata: { name: "team-a-by-its-deployer-only" }, spec: { policyName: "team-a-by-its-deployer-only", validationActions: ["Deny"] } },
      ],
    }),
  });
  const spokeKubeconfig = await serviceAccountKubeconfig(spoke.kubeconfig, AGENT_NS, "work-agent");
  // A short eviction grace period: the last test lets a Work vanish from the hub without its finalizer.
  const agentOptions = { hubKubeconfig: await mintAgentKubeconfig(hubKubeconfig(), cluster), spokeKubeconfig, clusterName: cluster, env: { WORK_AGENT_DEFAULT_EXECUTOR: `${AGENT_NS}/work-executor`, WORK_AGENT_EVICTION_GRACE_PERIOD: "2s" } };
  agent = await startAgent(agentOptions);
}, 180_000);

afterAll(async () => {
  if (process.env.E2E_PRINT_AGENT === "1") console.log(agent?.output().slice(-6000));
  expect(await agent?.stop()).toBe(0);
  await spoke?.stop();
});

describe("executors, under the spoke RBAC that join ships", () => {
  it("writes a Work without an executor as the default executor: namespaced workloads yes, a ClusterRole no (Forbidden, naming it)", async () => {
    await putWork(hub, cluster, "plain", [
      configMap("default-exec", "plain", { a: "1" }),
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "plain-cr" }, rules: [] },
      // A Namespace (cluster-scoped) is a workload kind it may create: the system-namespace guard lets it through.
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "made-by-default-exec" } },
    ]);
    const w = await waitForWorkCondition(hub.objects, cluster, "plain", "Applied", "False", { timeoutMs: 60_000 });
    expect((await readConfigMap(spoke.clients, "default-exec", "plain"))?.data).toEqual({ a: "1" });
    await waitFor(async () => (await getOrUndefined(spoke.clients.objects, { apiVersion: "v1", kind: "Namespace", metadata: { name: "made-by-default-exec" } })) !== undefined, { timeoutMs: 30_000, message: "Namespace created by the default executor" });
    await waitFor(async () => manifestCondition(await readWork(hub.objects, cluster, "plain"), 1)?.conditions?.some((c) => c.type === "Applied" && c.status === "False") === true, { timeoutMs: 30_000, message: "ClusterRole manifest failed" });
    const mc = manifestCondition(await readWork(hub.objects, cluster, "plain"), 1)!;
    const applied = mc.conditions.find((c) => c.type === "Applied")!;
    expect(applied.reason).toBe("Forbidden");
    expect(applied.message).toMatch(/ClusterRole.*plain-cr/);
    expect(applied.message).toContain(`executor ServiceAccount ${AGENT_NS}/work-executor`);
    expect(w.metadata.name).toBe("plain");
    expect(await getOrUndefined(spoke.clients.objects, { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "plain-cr" } })).toBeUndefined();
  });

  it("keeps the default executor out of kube-system (admission policy from join), the rest of the Work still applied", async () => {
    await putWork(hub, cluster, "sys", [configMap("kube-system", "sneaky", { a: "1" }), configMap("default-exec", "fine", { a: "1" })]);
    await waitFor(async () => manifestCondition(await readWork(hub.objects, cluster, "sys"), 0)?.conditions?.some((c) => c.type === "Applied" && c.reason === "Forbidden") === true, { timeoutMs: 60_000, message: "kube-system manifest refused" });
    const msg = manifestCondition(await readWork(hub.objects, cluster, "sys"), 0)!.conditions.find((c) => c.type === "Applied")!.message;
    expect(msg).toContain(`executor ServiceAccount ${AGENT_NS}/work-executor`);
    expect(msg).toMatch(/may not write in kube-system/);
    expect(await readConfigMap(spoke.clients, "kube-system", "sneaky")).toBeUndefined();
    expect((await readConfigMap(spoke.clients, "default-exec", "fine"))?.data).toEqual({ a: "1" });
  });

  it("writes as the Work's executor: allowed where its RBAC allows, Forbidden (naming the ServiceAccount) elsewhere, the rest still applied", async () => {
    await putWork(hub, cluster, "tenant", [configMap("team-a", "mine", { v: "1" }), configMap("team-b", "theirs", { v: "1" }), configMap("team-a", "second", { v: "1" })], executor("team-a", "deployer"));
    await waitFor(async () => (await readConfigMap(spoke.clients, "team-a", "second")) !== undefined, { timeoutMs: 60_000, message: "team-a objects applied" });
    await waitFor(async () => manifestCondition(await readWork(hub.objects, cluster, "tenant"), 1)?.conditions?.some((c) => c.type === "Applied" && c.reason === "Forbidden") === true, { timeoutMs: 30_000, message: "team-b manifest Forbidden" });
    const work = (await readWork(hub.objects, cluster, "tenant"))!;
    const refused = manifestCondition(work, 1)!.conditions.find((c) => c.type === "Applied")!;
    expect(refused.status).toBe("False");
    expect(refused.message).toContain("executor ServiceAccount team-a/deployer");
    expect(refused.message).toContain("team-b");
    expect(work.status?.conditions?.find((c) => c.type === "Applied")?.status).toBe("False");
    expect(manifestCondition(work, 0)!.conditions.find((c) => c.type === "Applied")?.status).toBe("True");
    expect(await readConfigMap(spoke.clients, "team-b", "theirs")).toBeUndefined();
    // Recorded for clean-up once the Work is gone.
    const aw = (await appliedWorksOf(spoke.clients)).find((a: AppliedWork) => a.spec.workName === "tenant")!;
    expect(aw.metadata.annotations?.["work.multicluster.x-k8s.io/executor"]).toBe("system:serviceaccount:team-a:deployer");
  });

  it("prunes a removed manifest and deletes the rest on Work deletion, as the executor (no one else may write in team-a)", async () => {
    const second = await readConfigMap(spoke.clients, "team-a", "second");
    expect(second).toBeDefined();
    await putWork(hub, cluster, "tenant", [configMap("team-a", "mine", { v: "1" })], executor("team-a", "deployer"));
    await waitFor(async () => (await readConfigMap(spoke.clients, "team-a", "second")) === undefined, { timeoutMs: 60_000, message: "removed manifest pruned" });
    await waitForWorkCondition(hub.objects, cluster, "tenant", "Applied", "True", { timeoutMs: 30_000 });
    await hub.objects.delete({ apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "Work", metadata: { name: "tenant", namespace: cluster } });
    await waitFor(async () => (await readWork(hub.objects, cluster, "tenant")) === undefined, { timeoutMs: 60_000, message: "Work finalized" });
    expect(await readConfigMap(spoke.clients, "team-a", "mine")).toBeUndefined();
    expect((await appliedWorksOf(spoke.clients)).some((a) => a.spec.workName === "tenant")).toBe(false);
  });

  it("refuses every write of a Work whose executor the agent may not impersonate, and creates nothing", async () => {
    await putWork(hub, cluster, "grab", [configMap("team-b", "grab", { v: "1" })], executor("kube-system", "namespace-controller"));
    await waitFor(async () => manifestCondition(await readWork(hub.objects, cluster, "grab"), 0)?.conditions?.some((c) => c.type === "Applied" && c.reason === "Forbidden") === true, { timeoutMs: 60_000, message: "impersonation refused" });
    const msg = manifestCondition(await readWork(hub.objects, cluster, "grab"), 0)!.conditions.find((c) => c.type === "Applied")!.message;
    expect(msg).toContain("executor ServiceAccount kube-system/namespace-controller");
    expect(msg).toMatch(/impersonate/);
    expect(await readConfigMap(spoke.clients, "team-b", "grab")).toBeUndefined();
  });

  it("the CRD refuses a malformed executor", async () => {
    await expect(putWork(hub, cluster, "bad", [configMap("team-a", "x", {})], { executor: { subject: { type: "User" } } })).rejects.toThrow(/executor|Unsupported value/);
    await expect(putWork(hub, cluster, "bad", [configMap("team-a", "x", {})], { executor: { subject: { type: "ServiceAccount" } } })).rejects.toThrow(/serviceAccount is required/);
  });

  it("evicts the objects of a Work gone from the hub without its finalizer as the executor that wrote them", async () => {
    await putWork(hub, cluster, "evict", [configMap("team-a", "evicted", { v: "1" })], executor("team-a", "deployer"));
    await waitFor(async () => (await readConfigMap(spoke.clients, "team-a", "evicted")) !== undefined, { timeoutMs: 60_000, message: "applied as team-a/deployer" });
    // The Work disappears while the agent is frozen (its finalizer stripped): only the AppliedWork knows who wrote.
    const ref = { apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "Work", metadata: { name: "evict", namespace: cluster } };
    agent.proc.kill("SIGSTOP");
    try {
      await hub.objects.patch({ ...ref, metadata: { ...ref.metadata, finalizers: [] } }, undefined, undefined, "e2e", undefined, PatchStrategy.MergePatch);
      await hub.objects.delete(ref);
      await waitFor(async () => (await readWork(hub.objects, cluster, "evict")) === undefined, { timeoutMs: 30_000, message: "Work gone from the hub" });
    } finally {
      agent.proc.kill("SIGCONT");
    }
    // Only team-a/deployer may delete in team-a (the test policy): the eviction had to run as the recorded executor.
    await waitFor(async () => (await readConfigMap(spoke.clients, "team-a", "evicted")) === undefined, { timeoutMs: 60_000, message: "evicted as team-a/deployer" });
    expect((await appliedWorksOf(spoke.clients)).some((a) => a.spec.workName === "evict")).toBe(false);
  });
});
