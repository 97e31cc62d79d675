/**
 * The agent picks up hub credentials the hub rotated into the Secret
 * work-agent-hub-kubeconfig of its namespace, keeps working after the old
 * token is revoked, and writes the new kubeconfig back to its file and to
 * the spoke Secret it was mounted from.
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig, type V1Secret } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGENT_KUBECONFIG_KEY, AGENT_KUBECONFIG_SECRET } from "@work-api/api";
import { apply, clients, hubKubeconfig, spokeKubeconfig, testNamespace, waitFor } from "./env.js";
import { AGENT_HUB_RULES, grantSpokeAgent, mintAgentKubeconfig, startAgent, sumMetric, writeTokenKubeconfig, type AgentProcess } from "./agent-harness.js";
import { waitForWorkCondition, workObject } from "./work-helpers.js";

const cluster = testNamespace("agent-creds");
const spokeNs = testNamespace("agent-creds-spoke", { on: ["spoke1"] });
const hub = clients(hubKubeconfig());
const spoke = clients(spokeKubeconfig(1));
let agent: AgentProcess;
let kubeconfigPath: string;

/** A token for the agent's ServiceAccount bound to a Secret: deleting the Secret revokes it. */
async function boundToken(binding: string): Promise<string> {
  const s = await hub.core.createNamespacedSecret({ namespace: cluster, body: { metadata: { name: binding } } });
  const tr = await hub.core.createNamespacedServiceAccountToken({
    name: "work-agent",
    namespace: cluster,
    body: { spec: { audiences: [], expirationSeconds: 3600, boundObjectRef: { apiVersion: "v1", kind: "Secret", name: binding, uid: s.metadata!.uid! } } },
  });
  return tr.status!.token;
}

function kubeconfigText(token: string): string {
  const c = hub.kc.getCurrentCluster()!;
  const dir = mkdtempSync(join(tmpdir(), "rot-"));
  return readFileSync(writeTokenKubeconfig(dir, "k", c.server, c.caData, token, cluster), "utf8");
}

beforeAll(async () => {
  await mintAgentKubeconfig(hubKubeconfig(), cluster, [
    ...AGENT_HUB_RULES,
    { apiGroups: [""], resources: ["secrets"], resourceNames: [AGENT_KUBECONFIG_SECRET], verbs: ["get", "list", "watch"] },
  ]);
  const dir = mkdtempSync(join(tmpdir(), "agent-rot-"));
  kubeconfigPath = writeTokenKubeconfig(dir, "hub.kubeconfig", hub.kc.getCurrentCluster()!.server, hub.kc.getCurrentCluster()!.caData, await boundToken("binding-old"), cluster);
  // The spoke Secret the kubeconfig would be mounted from in a pod.
  await spoke.core.createNamespacedSecret({ namespace: spokeNs, body: { metadata: { name: "hub-kubeconfig" }, data: { [AGENT_KUBECONFIG_KEY]: Buffer.from(readFileSync(kubeconfigPath)).toString("base64") } } });
  // The agent's shipped Role covers that Secret in its own namespace; here it lives in the test's.
  await grantSpokeAgent(spokeKubeconfig(1), spokeNs, [{ apiGroups: [""], resources: ["secrets"], resourceNames: ["hub-kubeconfig"], verbs: ["get", "update", "patch"] }]);
  agent = await startAgent({
    hubKubeconfig: kubeconfigPath,
    spokeKubeconfig: spokeKubeconfig(1),
    clusterName: cluster,
    args: ["--credentials-refresh-period", "1s", "--hub-kubeconfig-secret", `${spokeNs}/hub-kubeconfig`],
  });
});

afterAll(async () => {
  expect(await agent.stop()).toBe(0);
});

describe("work-agent hub credentials", () => {
  it("switches to the token the hub rotated into its Secret and keeps working after the old one is revoked", async () => {
    const fresh = await boundToken("binding-new");
    const text = kubeconfigText(fresh);
    await hub.core.createNamespacedSecret({ namespace: cluster, body: { metadata: { name: AGENT_KUBECONFIG_SECRET }, data: { [AGENT_KUBECONFIG_KEY]: Buffer.from(text).toString("base64") } } });
    await waitFor(() => agent.output().includes("hub credentials rotated"), { timeoutMs: 20_000, message: "rotation log line" });
    // The file now holds the new token...
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    expect(kc.getCurrentUser()?.token).toBe(fresh);
    // ...and so does the spoke Secret it is mounted from.
    const s: V1Secret = await spoke.core.readNamespacedSecret({ name: "hub-kubeconfig", namespace: spokeNs });
    const persisted = new KubeConfig();
    persisted.loadFromString(Buffer.from(s.data![AGENT_KUBECONFIG_KEY]!, "base64").toString("utf8"));
    expect(persisted.getCurrentUser()?.token).toBe(fresh);
    expect(persisted.getCurrentCluster()?.server).toBe(hub.kc.getCurrentCluster()!.server);
    expect(text).toContain(fresh);
    // Revoke the old token; the agent must still read Works and write their status.
    await hub.core.deleteNamespacedSecret({ name: "binding-old", namespace: cluster });
    await new Promise((r) => setTimeout(r, 2000));
    await apply(hub.objects, workObject(cluster, "after-rotation", [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "rotated", namespace: spokeNs }, data: { a: "1" } }]));
    await waitForWorkCondition(hub.objects, cluster, "after-rotation", "Applied", "True", { timeoutMs: 60_000 });
    await hub.objects.delete({ apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "Work", metadata: { name: "after-rotation", namespace: cluster } });
  });

  it("refuses a rotated kubeconfig that is not a token kubeconfig for its hub, and keeps working", async () => {
    const good = readFileSync(kubeconfigPath, "utf8");
    const c = hub.kc.getCurrentCluster()!;
    const marker = join(mkdtempSync(join(tmpdir(), "exec-")), "ran");
    const hostile = [
      // An exec plugin would run a command inside the agent.
      (() => {
        const kc = new KubeConfig();
        kc.loadFromOptions({
          clusters: [{ name: "c", server: c.server, caData: c.caData, skipTLSVerify: false }],
          users: [{ name: "u", exec: { apiVersion: "client.authentication.k8s.io/v1", command: "/bin/sh", args: ["-c", `touch ${marker}; echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"x"}}'`], interactiveMode: "Never" } }],
          contexts: [{ name: "ctx", cluster: "c", user: "u" }],
          currentContext: "ctx",
        });
        return kc.exportConfig();
      })(),
      // Another server.
      kubeconfigText("t-evil").replace(c.server, "https://127.0.0.1:1"),
    ];
    const metric = async (): Promise<number> => sumMetric(await agent.metrics(), "work_agent_credentials_rejected_total");
    for (const text of hostile) {
      const before = await metric();
      await hub.core.patchNamespacedSecret({ name: AGENT_KUBECONFIG_SECRET, namespace: cluster, body: [{ op: "replace", path: `/data/${AGENT_KUBECONFIG_KEY}`, value: Buffer.from(text).toString("base64") }] });
      await waitFor(async () => (await metric()) > before, { timeoutMs: 20_000, message: "rotated kubeconfig refused" });
    }
    expect(existsSync(marker)).toBe(false);
    // Still the good kubeconfig, on disk and in use.
    expect(readFileSync(kubeconfigPath, "utf8")).toBe(good);
    await apply(hub.objects, workObject(cluster, "after-refusal", [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "refused", namespace: spokeNs }, data: { a: "1" } }]));
    await waitForWorkCondition(hub.objects, cluster, "after-refusal", "Applied", "True", { timeoutMs: 60_000 });
  });
});
