import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { joinManifests, renderJoin } from "./join.js";

describe("join", () => {
  const o = { clusterName: "c1", kubeconfig: "apiVersion: v1\nkind: Config\n", agentNamespace: "work-agent", image: "img:1" };

  it("renders the Secret, RBAC and Deployment for the spoke", () => {
    const kinds = joinManifests(o).map((m) => m.kind);
    expect(kinds).toEqual(["Namespace", "Secret", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Deployment"]);
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
  });
});
