/**
 * Agent replicas: with --leader-elect two agent processes for one cluster
 * share a leader Lease on the spoke; only the holder reconciles and
 * heartbeats; when it is killed (-9, so it cannot release the Lease) the
 * standby takes over within the lease duration and applies new Works.
 */
import { hostname } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clients, hubKubeconfig, spokeKubeconfig, testNamespace, waitFor } from "./env.js";
import { grantSpokeAgent, mintAgentKubeconfig, startAgent, sumMetric, type AgentProcess } from "./agent-harness.js";
import { waitForWorkCondition } from "./work-helpers.js";
import { configMap, deleteWork, putWork, readConfigMap, reconcileCount, waitWorkGone, writeCount } from "./contract-helpers.js";

const LEASE_S = 4;
const cluster = testNamespace("agent-replicas");
const ns = testNamespace("agent-replicas-spoke", { on: ["spoke1"] });
const hub = clients(hubKubeconfig());
const spoke = clients(spokeKubeconfig(1));
const agents: AgentProcess[] = [];

beforeAll(async () => {
  const creds = await mintAgentKubeconfig(hubKubeconfig(), cluster);
  // The agent's shipped Role covers Leases in its own namespace; here the Lease lives in the test's.
  await grantSpokeAgent(spokeKubeconfig(1), ns, [{ apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "create", "update", "patch"] }]);
  for (let i = 0; i < 2; i++) {
    agents.push(
      await startAgent({
        hubKubeconfig: creds,
        spokeKubeconfig: spokeKubeconfig(1),
        clusterName: cluster,
        args: ["--leader-elect", "--leader-election-namespace", ns, "--leader-election-lease-duration", `${LEASE_S}s`],
      }),
    );
  }
});

afterAll(async () => {
  for (const a of agents) await a.stop();
});

async function leaderOf(): Promise<{ leader: AgentProcess; standby: AgentProcess }> {
  return waitFor(async () => {
    const flags = await Promise.all(agents.map(async (a) => (a.proc.exitCode === null ? sumMetric(await a.metrics(), "work_agent_leader") : -1)));
    if (flags.filter((f) => f === 1).length !== 1 || flags.filter((f) => f === 0).length !== 1) return undefined;
    return { leader: agents[flags.indexOf(1)]!, standby: agents[flags.indexOf(0)]! };
  }, { timeoutMs: 30_000, message: "exactly one leader and one standby" });
}

describe("work-agent --leader-elect", () => {
  it("runs one acting replica; the standby takes over within the lease duration after the leader is killed", async () => {
    const { leader, standby } = await leaderOf();
    await putWork(hub, cluster, "first", [configMap(ns, "first", { a: "1" })]);
    await waitForWorkCondition(hub.objects, cluster, "first", "Applied", "True");
    // Only the leader reconciled; the standby wrote nothing to the hub, and to the spoke only its Lease attempts (none: it only reads a held Lease).
    expect(await reconcileCount(leader)).toBeGreaterThan(0);
    expect(await reconcileCount(standby)).toBe(0);
    expect([await writeCount(standby, "hub"), await writeCount(standby, "spoke")]).toEqual([0, 0]);
    const lease = await spoke.objects.read({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: (await leaseName()) ?? "", namespace: ns } });
    expect((lease as { spec?: { holderIdentity?: string } }).spec?.holderIdentity).toMatch(new RegExp(`^${hostname()}_${leader.proc.pid}_[0-9a-f]{8}$`));

    const killedAt = Date.now();
    leader.proc.kill("SIGKILL");
    await leader.stop();
    await waitFor(async () => sumMetric(await standby.metrics(), "work_agent_leader") === 1, { timeoutMs: (LEASE_S + 10) * 1000, intervalMs: 100, message: "standby took over" });
    const takeover = (Date.now() - killedAt) / 1000;
    process.stderr.write(`[agent-replicas] takeover after kill -9: ${takeover.toFixed(1)} s (lease ${LEASE_S} s)\n`);
    // The Lease expires LEASE_S after its last renewal (at most one retry period, LEASE_S/7.5, before the kill);
    // the standby tries every retry period: takeover within the lease duration plus one retry period, and some slack.
    expect(takeover).toBeLessThan(LEASE_S + (2 * LEASE_S) / 7.5 + 0.5);

    await putWork(hub, cluster, "second", [configMap(ns, "second", { b: "1" })]);
    await waitForWorkCondition(hub.objects, cluster, "second", "Applied", "True");
    expect((await readConfigMap(spoke, ns, "second"))?.data).toEqual({ b: "1" });
    expect(await reconcileCount(standby)).toBeGreaterThan(0);
    for (const w of ["first", "second"]) await deleteWork(hub, cluster, w);
    for (const w of ["first", "second"]) await waitWorkGone(hub, cluster, w);
  });
});

async function leaseName(): Promise<string | undefined> {
  const list = (await spoke.objects.list("coordination.k8s.io/v1", "Lease", ns)) as { items: { metadata?: { name?: string } }[] };
  return list.items.map((l) => l.metadata?.name).find((n) => n?.startsWith("work-agent-"));
}
