import { describe, expect, it } from "vitest";
import type { AppliedWork, Work } from "@work-api/api";
import type { ManifestResult } from "@work-api/apply";
import { Registry } from "@work-api/runtime";
import { agentMetrics, countRequests, reachabilityGauge } from "./metrics.js";

const result = (action: ManifestResult["action"], extra: Partial<ManifestResult> = {}): ManifestResult => ({ ordinal: 0, identifier: { ordinal: 0 }, action, message: "", ...extra });
const work = (applied: string, available?: string): Work =>
  ({
    apiVersion: "multicluster.x-k8s.io/v1alpha1",
    kind: "Work",
    metadata: { name: "w" },
    status: { conditions: [{ type: "Applied", status: applied }, ...(available ? [{ type: "Available", status: available }] : [])] },
  }) as Work;

function setup(works: Work[] = [], appliedWorks: AppliedWork[] = []) {
  const registry = new Registry();
  const state = { rejected: 0, idle: { hub: 0, spoke: 0 } };
  const m = agentMetrics(registry, { works: () => works, appliedWorks: () => appliedWorks, credentialsRejected: () => state.rejected, idleRestarts: () => state.idle });
  return { registry, m, state };
}

describe("agent metrics", () => {
  it("counts manifests by outcome, drift reverted and conflicts from a change set", async () => {
    const { registry, m } = setup();
    m.onResults(
      [
        result("created"),
        result("created", { drift: "deleted" }),
        result("configured", { drift: "modified", forced: true }),
        result("failed", { reason: "ApplyConflict" }),
        result("unchanged"),
      ],
      [{ ref: { ordinal: 1, group: "", version: "v1", kind: "ConfigMap", resource: "configmaps", name: "x" }, action: "pruned", message: "" }],
    );
    const v = (name: string, labels: Record<string, string>): Promise<number> => registry.value(name, labels);
    expect(await v("work_agent_manifests_total", { action: "created" })).toBe(2);
    expect(await v("work_agent_manifests_total", { action: "pruned" })).toBe(1);
    expect(await v("work_agent_drift_reverts_total", { change: "modified" })).toBe(1);
    expect(await v("work_agent_drift_reverts_total", { change: "deleted" })).toBe(1);
    expect(await v("work_agent_apply_conflicts_total", { resolution: "forced" })).toBe(1);
    expect(await v("work_agent_apply_conflicts_total", { resolution: "failed" })).toBe(1);
    // Every outcome's series exists from the start (zeros), so rate() and alerts see them.
    expect(await registry.render()).toContain('work_agent_manifests_total{action="released"} 0');
  });

  it("counts objects orphaned by spec.deleteOption", async () => {
    const { registry, m } = setup();
    expect(await registry.render()).toContain('work_agent_manifests_total{action="orphaned"} 0');
    const ref = { ordinal: 0, group: "", version: "v1", kind: "ConfigMap", resource: "configmaps", name: "x" };
    m.onResults([], [{ ref, action: "orphaned", message: "" }, { ref, action: "orphaned", message: "" }, { ref, action: "released", message: "" }]);
    expect(await registry.value("work_agent_manifests_total", { action: "orphaned" })).toBe(2);
    expect(await registry.value("work_agent_manifests_total", { action: "released" })).toBe(1);
  });

  it("computes Works by condition and evictions pending from the caches at scrape time", async () => {
    const works = [work("True", "True"), work("True", "False"), work("False")];
    const pending = { metadata: { name: "aw" }, spec: { workName: "w", workNamespace: "n" }, status: { evictionStartTime: "2026-01-01T00:00:00Z" } } as AppliedWork;
    const { registry } = setup(works, [pending]);
    const v = (condition: string, status: string): Promise<number> => registry.value("work_agent_works", { condition, status });
    expect(await v("Applied", "True")).toBe(2);
    expect(await v("Applied", "False")).toBe(1);
    expect(await v("Available", "False")).toBe(1);
    expect(await v("Available", "Unknown")).toBe(1);
    expect(await v("Degraded", "Unknown")).toBe(3);
    expect(await registry.value("work_agent_evictions_pending")).toBe(1);
    works.push(work("True"));
    expect(await v("Applied", "True")).toBe(3);
  });

  it("mirrors totals counted elsewhere without ever counting down", async () => {
    const { registry, state } = setup();
    state.rejected = 2;
    state.idle.spoke = 3;
    expect(await registry.value("work_agent_credentials_rejected_total")).toBe(2);
    expect(await registry.value("work_agent_watch_idle_restarts_total", { cluster: "spoke" })).toBe(3);
    state.rejected = 1;
    expect(await registry.value("work_agent_credentials_rejected_total")).toBe(2);
    state.rejected = 4;
    expect(await registry.value("work_agent_credentials_rejected_total")).toBe(4);
  });

  it("reports reachability, leadership and request counts per API server", async () => {
    const { registry, m } = setup();
    const reachable = reachabilityGauge(registry, "hub");
    expect(await registry.value("work_agent_hub_reachable")).toBe(1);
    reachable(false);
    expect(await registry.value("work_agent_hub_reachable")).toBe(0);
    expect(await registry.value("work_agent_leader")).toBe(0);
    m.setLeader(true);
    expect(await registry.value("work_agent_leader")).toBe(1);
    const stats = { GET: 3, LIST: 1, WATCH: 0, POST: 0, PUT: 0, PATCH: 2, DELETE: 0, writes: 2, total: 6, errors: 0, throttled: 0, bytesSent: 10 };
    countRequests(registry, { spoke: { stats: () => stats } as never });
    expect(await registry.value("work_agent_kube_requests_total", { cluster: "spoke", verb: "PATCH" })).toBe(2);
    expect(await registry.value("work_agent_kube_request_bytes_total", { cluster: "spoke" })).toBe(10);
  });
});
