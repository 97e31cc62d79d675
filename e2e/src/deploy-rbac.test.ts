/**
 * The deploy/ manifests are what users apply on real clusters, so they are
 * tested here: `kubectl kustomize` builds them, and the hub controller runs
 * under exactly the ClusterRole of deploy/hub/rbac.yaml (not as an admin)
 * through registration, credentials, health from a real agent, placement
 * fan-out and removal, with no request forbidden.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { RbacAuthorizationV1Api, type KubernetesObject } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { AGENT_KUBECONFIG_KEY, AGENT_KUBECONFIG_SECRET, CLUSTER_MANAGER_LABEL, type ClusterProfile } from "@work-api/api";
import { startHub, type RunningHub } from "@work-api/hub";
import { memoryLogger, type LogEntry } from "@work-api/runtime";
import { clients, getOrUndefined, hubKubeconfig, kubectlOk, pinnedKubeVersion, spokeKubeconfig, testNamespace, uniqueName, waitFor } from "./env.js";
import { startAgent, writeTokenKubeconfig, type AgentProcess } from "./agent-harness.js";
import { condition, waitForWorkCondition } from "./work-helpers.js";

const REPO = resolve(import.meta.dirname, "../..");
const inventory = testNamespace("deploy-inv");
const spokeNs = testNamespace("deploy-spoke", { on: ["spoke1"] });
const hub = clients(hubKubeconfig());
const spoke = clients(spokeKubeconfig(1));
const rbac = hub.kc.makeApiClient(RbacAuthorizationV1Api);
const manager = uniqueName("mgr");
const cluster = uniqueName("deploy-c");
const roleName = uniqueName("work-hub");
const logs: LogEntry[] = [];
let running: RunningHub | undefined;
let agent: AgentProcess | undefined;

function docs(text: string): KubernetesObject[] {
  return parseAllDocuments(text).map((d) => d.toJS() as KubernetesObject).filter(Boolean);
}

beforeAll(async () => {
  // The hub's identity: deploy/hub/rbac.yaml, with the ServiceAccount moved into this test's inventory namespace.
  const objs = docs(readFileSync(join(REPO, "deploy/hub/rbac.yaml"), "utf8"));
  const role = objs.find((o) => o.kind === "ClusterRole") as KubernetesObject & { rules: never[] };
  await hub.core.createNamespacedServiceAccount({ namespace: inventory, body: { metadata: { name: "work-hub" } } });
  await rbac.createClusterRole({ body: { metadata: { name: roleName }, rules: role.rules } });
  await rbac.createClusterRoleBinding({
    body: { metadata: { name: roleName }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: roleName }, subjects: [{ kind: "ServiceAccount", name: "work-hub", namespace: inventory }] },
  });
  const tr = await hub.core.createNamespacedServiceAccountToken({ name: "work-hub", namespace: inventory, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  const c = hub.kc.getCurrentCluster()!;
  const kubeconfig = writeTokenKubeconfig(mkdtempSync(join(tmpdir(), "hub-rbac-")), "hub.kubeconfig", c.server, c.caData, tr.status!.token, inventory);
  running = await startHub({
    kubeconfig,
    inventoryNamespace: inventory,
    clusterManager: manager,
    leaderElect: true,
    healthAddr: "0",
    metricsAddr: "0",
    leaseDurationMs: 8000,
    logger: memoryLogger(logs),
  });
});

afterAll(async () => {
  await agent?.stop();
  await running?.stop();
  await rbac.deleteClusterRoleBinding({ name: roleName }).catch(() => undefined);
  await rbac.deleteClusterRole({ name: roleName }).catch(() => undefined);
});

describe("deploy/ manifests", () => {
  it("build with kubectl kustomize", async () => {
    const hubOut = docs(await kubectlOk(hubKubeconfig(), ["kustomize", join(REPO, "deploy/hub")]));
    expect(hubOut.map((o) => o.kind).sort()).toEqual(["ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "CustomResourceDefinition", "CustomResourceDefinition", "CustomResourceDefinition", "CustomResourceDefinition", "CustomResourceDefinition", "Deployment", "Namespace", "ServiceAccount", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"]);
    // The admission policy is accepted by the API server as shipped.
    const policy = readFileSync(join(REPO, "deploy/hub/work-agent-policy.yaml"), "utf8");
    await kubectlOk(hubKubeconfig(), ["apply", "--dry-run=server", "--server-side", "--force-conflicts", "-f", "-"], { input: policy });
    const spokeOut = docs(await kubectlOk(hubKubeconfig(), ["kustomize", join(REPO, "deploy/spoke")]));
    expect(spokeOut.map((o) => o.metadata?.name)).toContain("appliedworks.multicluster.x-k8s.io");
    // The Deployment's dry run passes the API server's validation.
    // The Deployment passes the API server's validation (dry run, in this test's namespace).
    const deployment = readFileSync(join(REPO, "deploy/hub/deployment.yaml"), "utf8").replace(/namespace: fleet-system/g, `namespace: ${inventory}`);
    await kubectlOk(hubKubeconfig(), ["apply", "--dry-run=server", "-f", "-"], { input: deployment });
  });

  it("registers a cluster, mints its credentials and reports its health under the deploy/ ClusterRole", async () => {
    const profile: ClusterProfile = {
      apiVersion: "multicluster.x-k8s.io/v1alpha1",
      kind: "ClusterProfile",
      metadata: { name: cluster, namespace: inventory, labels: { [CLUSTER_MANAGER_LABEL]: manager, env: "deploy-test" } },
      spec: { displayName: cluster, clusterManager: { name: manager } },
    };
    await hub.objects.create(profile as unknown as KubernetesObject);
    const secret = await waitFor(async () => {
      try {
        return await hub.core.readNamespacedSecret({ name: AGENT_KUBECONFIG_SECRET, namespace: cluster });
      } catch {
        return undefined;
      }
    }, { timeoutMs: 60_000, message: "minted kubeconfig" });
    const dir = mkdtempSync(join(tmpdir(), "deploy-agent-"));
    const path = join(dir, "hub.kubeconfig");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(path, Buffer.from(secret.data![AGENT_KUBECONFIG_KEY]!, "base64"));
    agent = await startAgent({ hubKubeconfig: path, spokeKubeconfig: spokeKubeconfig(1), clusterName: cluster, args: ["--lease-duration", "8s"] });
    await waitFor(async () => {
      const p = (await getOrUndefined(hub.objects, { apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "ClusterProfile", metadata: { name: cluster, namespace: inventory } })) as unknown as ClusterProfile | undefined;
      return condition(p?.status?.conditions, "Joined")?.status === "True" && p?.status?.version?.kubernetes === pinnedKubeVersion();
    }, { timeoutMs: 60_000, message: "Joined=True with the spoke's version" });
  });

  it("fans a WorkPlacement out to the cluster and the agent applies it", async () => {
    await hub.objects.create({
      apiVersion: "multicluster.x-k8s.io/v1alpha1",
      kind: "WorkPlacement",
      metadata: { name: "web", namespace: inventory },
      spec: {
        clusterSelector: { matchLabels: { env: "deploy-test" } },
        workTemplate: { spec: { workload: { manifests: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "placed", namespace: spokeNs }, data: { a: "1" } }] } } },
      },
    } as KubernetesObject);
    await waitForWorkCondition(hub.objects, cluster, "web", "Applied", "True", { timeoutMs: 60_000 });
    expect((await spoke.core.readNamespacedConfigMap({ name: "placed", namespace: spokeNs })).data).toEqual({ a: "1" });
    await waitFor(async () => {
      const p = (await getOrUndefined(hub.objects, { apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "WorkPlacement", metadata: { name: "web", namespace: inventory } })) as { status?: { appliedClusters?: number } } | undefined;
      return p?.status?.appliedClusters === 1;
    }, { timeoutMs: 30_000, message: "placement status counts the cluster" });
  });

  it("removes the cluster: its Works are garbage-collected on the spoke, then its namespace", async () => {
    await hub.objects.delete({ apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "WorkPlacement", metadata: { name: "web", namespace: inventory } });
    await hub.objects.delete({ apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "ClusterProfile", metadata: { name: cluster, namespace: inventory } });
    await waitFor(async () => (await getOrUndefined(spoke.objects, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "placed", namespace: spokeNs } })) === undefined, { timeoutMs: 60_000, message: "configmap removed from the spoke" });
    await waitFor(async () => (await getOrUndefined(hub.objects, { apiVersion: "v1", kind: "Namespace", metadata: { name: cluster } })) === undefined, { timeoutMs: 90_000, message: "cluster namespace removed" });
  });

  it("was never forbidden anything", () => {
    const forbidden = logs.filter((e) => /forbidden/i.test(JSON.stringify(e)));
    expect(forbidden.map((e) => JSON.stringify(e)).slice(0, 3)).toEqual([]);
  });
});
