import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { joinManifests, renderJoin } from "./join.js";

describe("join", () => {
  const o = { clusterName: "c1", kubeconfig: "apiVersion: v1\nkind: Config\n", agentNamespace: "work-agent", image: "img:1" };

  it("renders the Secret, RBAC and Deployment for the spoke", () => {
    const kinds = joinManifests(o).map((m) => m.kind);
    expect(kinds).toEqual(["Namespace", "Secret", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "ServiceAccount", "ClusterRole", "ClusterRole", "ClusterRoleBinding", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "Deployment"]);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const docs = parseAllDocuments(renderJoin(o)).map((d) => d.toJSON() as Record<string, any>).filter((d) => d);
    const secret = docs.find((d) => d.kind === "Secret")!;
    expect(Buffer.from(secret.data.kubeconfig, "base64").toString()).toBe(o.kubeconfig);
    const dep = docs.find((d) => d.kind === "Deployment")!;
    const c = dep.spec.template.spec.containers[0];
    expect(c.image).toBe("img:1");
    expect(c.args).toContain("--cluster-name=c1");
    expect(c.args).toContain("--hub-kubeconfig=/var/run/secrets/work-agent/hub/kubeconfig");
    expect(c.args).toContain("--hub-kubeconfig-secret=work-agent/work-agent-hub-kubeconfig");
    expect(dep.spec.template.spec.volumes[0].secret.secretName).toBe("work-agent-hub-kubeconfig");
    expect(c.args).toContain("--default-executor=work-agent/work-executor");
  });

   
  type Rule = { apiGroups?: string[]; resources?: string[]; verbs: string[]; resourceNames?: string[] };
  const WRITE = ["create", "update", "patch", "delete", "deletecollection", "*", "impersonate", "bind", "escalate"];
  const rulesOf = (objs: ReturnType<typeof joinManifests>, kind: string, name: string): Rule[] => (objs.find((m) => m.kind === kind && m.metadata?.name === name) as unknown as { rules: Rule[] }).rules;

  it("gives the agent no write on the spoke but its AppliedWorks, its Lease and Secret, and impersonating the default executor", () => {
    const objs = joinManifests(o);
    const cluster = rulesOf(objs, "ClusterRole", "work-agent");
    const writes = cluster.filter((r) => r.verbs.some((v) => WRITE.includes(v)));
    expect(writes.flatMap((r) => r.resources)).toEqual(["appliedworks", "appliedworks/status"]);
    expect(cluster.some((r) => r.apiGroups?.includes("*") && r.verbs.includes("*"))).toBe(false);
    const ns = rulesOf(objs, "Role", "work-agent");
    const impersonate = ns.filter((r) => r.verbs.includes("impersonate"));
    expect(impersonate).toEqual([{ apiGroups: [""], resources: ["serviceaccounts"], resourceNames: ["work-executor"], verbs: ["impersonate"] }]);
    expect(ns.filter((r) => r.verbs.some((v) => WRITE.includes(v)) && !r.resourceNames).map((r) => `${(r.resources ?? []).join(",")}:${r.verbs.join(",")}`)).toEqual(["leases:get,create,update,patch"]);
  });

  it("gives the default executor namespaced workloads by default, everything only when asked, nothing with none, with the same objects in every mode", () => {
    const byDefault = joinManifests(o);
    const agg = byDefault.find((m) => m.kind === "ClusterRole" && m.metadata?.name === "work-executor") as unknown as { aggregationRule: { clusterRoleSelectors: unknown[] } };
    expect(agg.aggregationRule.clusterRoleSelectors).toEqual([{ matchLabels: { "work.multicluster.x-k8s.io/aggregate-to-work-executor": "true" } }]);
    const pieces = rulesOf(byDefault, "ClusterRole", "work-executor-workloads");
    expect(pieces.some((r) => r.apiGroups?.includes("*") || r.resources?.includes("*"))).toBe(false);
    expect(pieces.flatMap((r) => r.resources)).not.toContain("customresourcedefinitions");
    const admin = joinManifests({ ...o, executorRbac: "cluster-admin" });
    expect(rulesOf(admin, "ClusterRole", "work-executor-workloads")).toContainEqual({ apiGroups: ["*"], resources: ["*"], verbs: ["*"] });
    const none = joinManifests({ ...o, executorRbac: "none" });
    expect(rulesOf(none, "ClusterRole", "work-executor-workloads")).toEqual([]);
    // One binding, to the aggregated role, in every mode: re-joining with another mode converges.
    const bindings = (objs: ReturnType<typeof joinManifests>): string[] =>
      objs.filter((m) => m.kind === "ClusterRoleBinding" && m.metadata?.name?.startsWith("work-executor")).map((m) => `${m.metadata!.name}->${(m as unknown as { roleRef: { name: string } }).roleRef.name}`);
    for (const objs of [byDefault, admin, none]) expect(bindings(objs)).toEqual(["work-executor->work-executor"]);
    const rbacNames = (objs: ReturnType<typeof joinManifests>): string[] => objs.filter((m) => m.kind?.startsWith("Cluster")).map((m) => `${m.kind}/${m.metadata!.name}`);
    expect(rbacNames(admin)).toEqual(rbacNames(byDefault));
    // The system-namespace guard comes with every mode but cluster-admin.
    const guard = (objs: ReturnType<typeof joinManifests>): boolean => objs.some((m) => m.kind === "ValidatingAdmissionPolicy");
    expect([guard(byDefault), guard(none), guard(admin)]).toEqual([true, true, false]);
  });
});
