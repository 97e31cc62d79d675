import { describe, expect, it } from "vitest";
import { AGENT_LEASE_NAME, CLUSTERSET_LABEL } from "@work-api/api";
import { agentRules, canonical, desiredNamespace, desiredRole, desiredRoleBinding, hasLabels, roleBindingDrift, roleDrift, withLabels, type PolicyRule } from "./rbac.js";
import { AGENT_KUBECONFIG_SECRET, CLUSTER_LABEL } from "./names.js";

/** Whether a rule list grants `verb` on `group/resource` (optionally a named object), RBAC-style. */
function allows(rules: PolicyRule[], group: string, resource: string, verb: string, name?: string): boolean {
  return rules.some(
    (r) =>
      (r.apiGroups.includes(group) || r.apiGroups.includes("*")) &&
      (r.resources.includes(resource) || r.resources.includes("*")) &&
      (r.verbs.includes(verb) || r.verbs.includes("*")) &&
      (r.resourceNames === undefined || r.resourceNames.length === 0 || (name !== undefined && r.resourceNames.includes(name))),
  );
}

describe("agentRules", () => {
  const rules = agentRules();
  const g = "multicluster.x-k8s.io";

  it("grants what the agent does with Works: read, watch, finalizer updates, status writes", () => {
    for (const v of ["get", "list", "watch", "update"]) expect(allows(rules, g, "works", v)).toBe(true);
    expect(allows(rules, g, "works/status", "update")).toBe(true);
    expect(allows(rules, g, "works/finalizers", "update")).toBe(true);
  });

  it("does not let the agent create or delete Works", () => {
    expect(allows(rules, g, "works", "create")).toBe(false);
    expect(allows(rules, g, "works", "delete")).toBe(false);
    expect(allows(rules, g, "works", "deletecollection")).toBe(false);
  });

  it("lets the agent create and renew only its heartbeat Lease", () => {
    expect(allows(rules, "coordination.k8s.io", "leases", "create")).toBe(true);
    expect(allows(rules, "coordination.k8s.io", "leases", "update", AGENT_LEASE_NAME)).toBe(true);
    expect(allows(rules, "coordination.k8s.io", "leases", "get", AGENT_LEASE_NAME)).toBe(true);
    expect(allows(rules, "coordination.k8s.io", "leases", "update", "someone-else")).toBe(false);
    expect(allows(rules, "coordination.k8s.io", "leases", "delete", AGENT_LEASE_NAME)).toBe(false);
  });

  it("lets it write events and read only its own kubeconfig Secret", () => {
    expect(allows(rules, "", "events", "create")).toBe(true);
    expect(allows(rules, "", "events", "patch")).toBe(true);
    expect(allows(rules, "", "secrets", "get", AGENT_KUBECONFIG_SECRET)).toBe(true);
    expect(allows(rules, "", "secrets", "get", "other")).toBe(false);
    expect(allows(rules, "", "secrets", "update", AGENT_KUBECONFIG_SECRET)).toBe(false);
  });

  it("grants nothing cluster-wide and no wildcards", () => {
    expect(JSON.stringify(rules)).not.toContain("*");
    expect(allows(rules, g, "clusterprofiles", "get")).toBe(false);
  });
});

describe("desired objects", () => {
  const id = { clusterName: "c1", inventoryNamespace: "fleet", clusterSet: "prod" };

  it("labels the namespace with the cluster and its ClusterSet", () => {
    expect(desiredNamespace(id).metadata).toMatchObject({ name: "c1", labels: { [CLUSTER_LABEL]: "c1", [CLUSTERSET_LABEL]: "prod" } });
    expect(desiredNamespace({ ...id, clusterSet: undefined }).metadata?.labels).not.toHaveProperty(CLUSTERSET_LABEL);
  });

  it("binds the Role to the agent's ServiceAccount in the cluster's namespace", () => {
    const rb = desiredRoleBinding(id);
    expect(rb.metadata?.namespace).toBe("c1");
    expect(rb.subjects).toEqual([{ kind: "ServiceAccount", name: "work-agent", namespace: "c1" }]);
    expect(rb.roleRef).toEqual({ apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "work-agent" });
  });
});

describe("drift", () => {
  const id = { clusterName: "c1", inventoryNamespace: "fleet" };

  it("sees no drift in a live Role that only differs by extra labels and defaults", () => {
    const want = desiredRole(id);
    const live = withLabels({ ...want, metadata: { ...want.metadata, resourceVersion: "5", labels: { extra: "x" } } }, want);
    expect(hasLabels(live, want)).toBe(true);
    expect(roleDrift(live, want)).toBe("none");
  });

  it("updates a Role whose rules were edited", () => {
    const want = desiredRole(id);
    const live = { ...want, rules: [...want.rules, { apiGroups: [""], resources: ["pods"], verbs: ["get"] }] };
    expect(roleDrift(live, want)).toBe("update");
  });

  it("recreates a RoleBinding whose roleRef changed (roleRef is immutable)", () => {
    const want = desiredRoleBinding(id);
    expect(roleBindingDrift({ ...want, roleRef: { ...want.roleRef, name: "admin" } }, want)).toBe("recreate");
    expect(roleBindingDrift({ ...want, subjects: [] }, want)).toBe("update");
    expect(roleBindingDrift(want, want)).toBe("none");
  });

  it("compares objects canonically", () => {
    expect(canonical({ b: 1, a: { d: 2, c: 3 } })).toBe(canonical({ a: { c: 3, d: 2 }, b: 1 }));
  });
});
