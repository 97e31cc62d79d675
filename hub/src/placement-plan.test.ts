import { describe, expect, it } from "vitest";
import { PLACEMENT_NAME_LABEL, TEMPLATE_HASH_ANNOTATION, findCondition, type Condition, type Work, type WorkPlacement } from "@work-api/api";
import { contains, desiredWork, planPlacement, templateHash, upToDate, workProgress } from "./placement-plan.js";
import type { Selection } from "./selection.js";

const T = "2026-01-01T00:00:00Z";

function placement(extra: Partial<WorkPlacement["spec"]> = {}, status?: WorkPlacement["status"]): WorkPlacement {
  return {
    apiVersion: "multicluster.x-k8s.io/v1alpha1",
    kind: "WorkPlacement",
    metadata: { name: "web", namespace: "fleet", generation: 3 },
    spec: {
      workTemplate: {
        metadata: { labels: { app: "web" } },
        spec: { workload: { manifests: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm", namespace: "default" }, data: { v: "1" } }] } },
      },
      clusterSelector: {},
      ...extra,
    },
    ...(status ? { status } : {}),
  };
}

function cond(type: string, status: "True" | "False", reason = "R", generation = 1): Condition {
  return { type, status, reason, message: `${type} ${status}`, lastTransitionTime: T, observedGeneration: generation };
}

/** A live Work as the API server returns it for the placement's template, with the given conditions. */
function live(p: WorkPlacement, cluster: string, conditions: Condition[] = []): Work {
  const w = desiredWork(p, cluster);
  return { ...w, metadata: { ...w.metadata, generation: 1, resourceVersion: "1", uid: `uid-${cluster}` }, status: { conditions } };
}

const sel = (...clusters: string[]): Selection => ({ clusters, problems: [] });
const ready = (): boolean => true;
const done = [cond("Applied", "True"), cond("Available", "True")];

describe("desired Works", () => {
  it("are named after the placement, labelled with it, and carry the template hash", () => {
    const p = placement();
    const w = desiredWork(p, "c1");
    expect(w.metadata).toMatchObject({ name: "web", namespace: "c1", labels: { app: "web", [PLACEMENT_NAME_LABEL]: "web" } });
    expect(w.metadata.annotations?.[TEMPLATE_HASH_ANNOTATION]).toBe(templateHash(p));
  });

  it("change hash with the template, not with anything else", () => {
    const p = placement();
    expect(templateHash({ ...p, metadata: { ...p.metadata, generation: 9 } })).toBe(templateHash(p));
    const q = placement();
    q.spec.workTemplate.metadata = { labels: { app: "web2" } };
    expect(templateHash(q)).not.toBe(templateHash(p));
  });

  it("tolerate server-side defaults but not edits", () => {
    const p = placement();
    const w = live(p, "c1");
    expect(upToDate({ ...w, spec: { ...w.spec, defaulted: { x: 1 } } }, desiredWork(p, "c1"))).toBe(true);
    expect(upToDate({ ...w, spec: { workload: { manifests: [] } } }, desiredWork(p, "c1"))).toBe(false);
    expect(contains({ a: [1, { b: 2, c: 3 }] }, { a: [1, { b: 2 }] })).toBe(true);
    expect(contains({ a: [1] }, { a: [1, 2] })).toBe(false);
  });

  it("progress follows the conditions of the current generation only", () => {
    const p = placement();
    expect(workProgress(live(p, "c", done))).toBe("available");
    expect(workProgress(live(p, "c", [cond("Applied", "True")]))).toBe("applied");
    expect(workProgress(live(p, "c", [cond("Applied", "False")]))).toBe("failed");
    expect(workProgress(live(p, "c", [cond("Applied", "True", "R", 0), cond("Available", "True", "R", 0)]))).toBe("progressing");
  });
});

describe("planPlacement", () => {
  it("creates a Work in every selected cluster whose namespace exists", () => {
    const plan = planPlacement({ placement: placement(), selection: sel("a", "b", "c"), works: [], namespaceReady: (c) => c !== "c", now: T });
    expect(plan.create.map((w) => w.metadata.namespace)).toEqual(["a", "b"]);
    expect(plan.status).toMatchObject({ selectedClusters: 3, appliedClusters: 0, pendingClusters: 1, failedClusters: 0 });
    expect(findCondition(plan.status.conditions, "Progressing")).toMatchObject({ status: "True", reason: "RollingOut" });
  });

  it("keeps its Works when the PlacementDecision it follows is missing: a missing decision is not an empty one", () => {
    const p = placement({ clusterSelector: undefined, placementDecisionRef: { name: "gone" } });
    const missing: Selection = { clusters: [], problems: [], error: { reason: "PlacementDecisionNotFound", message: "no PlacementDecision fleet/gone" } };
    const plan = planPlacement({ placement: p, selection: missing, works: [live(p, "a", done), live(p, "b", done)], namespaceReady: ready, now: T });
    expect(plan.delete).toEqual([]);
    expect(findCondition(plan.status.conditions, "ClustersSelected")).toMatchObject({ status: "False", reason: "PlacementDecisionNotFound" });
    // A decision that exists and leaves "b" out deletes b's Work.
    expect(planPlacement({ placement: p, selection: sel("a"), works: [live(p, "a", done), live(p, "b", done)], namespaceReady: ready, now: T }).delete.map((w) => w.metadata.namespace)).toEqual(["b"]);
  });

  it("deletes its Works in clusters it no longer selects, and leaves others' Works alone", () => {
    const p = placement();
    const other = { ...live(p, "b"), metadata: { ...live(p, "b").metadata, labels: {} } };
    const plan = planPlacement({ placement: p, selection: sel("b"), works: [live(p, "a", done), other], namespaceReady: ready, now: T });
    expect(plan.delete.map((w) => w.metadata.namespace)).toEqual(["a"]);
    expect(plan.create).toEqual([]);
    expect(plan.update).toEqual([]);
    expect(plan.status.failures).toEqual([expect.objectContaining({ clusterName: "b", reason: "WorkConflict" })]);
  });

  it("updates stale Works at most maxConcurrency at a time", () => {
    const old = placement();
    const p = placement({ maxConcurrency: 2 });
    p.spec.workTemplate.spec = { workload: { manifests: [] } };
    const works = ["a", "b", "c", "d"].map((c) => live(old, c, done));
    const plan = planPlacement({ placement: p, selection: sel("a", "b", "c", "d"), works, namespaceReady: ready, now: T });
    expect(plan.update.map((w) => w.metadata.namespace)).toEqual(["a", "b"]);
    expect(plan.status.pendingClusters).toBe(2);
  });

  it("counts up-to-date Works that are not yet Available against the limit", () => {
    const old = placement();
    const p = placement({ maxConcurrency: 2 });
    p.spec.workTemplate.spec = { workload: { manifests: [] } };
    const works = [live(p, "a", [cond("Applied", "True")]), live(p, "b", done), live(old, "c", done), live(old, "d", done)];
    const plan = planPlacement({ placement: p, selection: sel("a", "b", "c", "d"), works, namespaceReady: ready, now: T });
    expect(plan.update.map((w) => w.metadata.namespace)).toEqual(["c"]);
    expect(plan.status).toMatchObject({ appliedClusters: 2, availableClusters: 1, pendingClusters: 1 });
  });

  it("blocks the rollout while failed clusters hold every slot, and names them", () => {
    const old = placement();
    const p = placement({ maxConcurrency: 1 });
    p.spec.workTemplate.spec = { workload: { manifests: [] } };
    const works = [live(p, "a", [cond("Applied", "False", "AppliedWorkFailed")]), live(old, "b", done)];
    const plan = planPlacement({ placement: p, selection: sel("a", "b"), works, namespaceReady: ready, now: T });
    expect(plan.update).toEqual([]);
    expect(plan.status.failures).toEqual([{ clusterName: "a", reason: "AppliedWorkFailed", message: "Applied False" }]);
    expect(findCondition(plan.status.conditions, "Progressing")).toMatchObject({ status: "False", reason: "RolloutBlocked" });
    expect(findCondition(plan.status.conditions, "Degraded")).toMatchObject({ status: "True", message: expect.stringContaining("a") });
  });

  it("reports completion and writes status only when something changed", () => {
    const p = placement();
    const works = [live(p, "a", done), live(p, "b", done)];
    const first = planPlacement({ placement: p, selection: sel("a", "b"), works, namespaceReady: ready, now: T });
    expect(first.statusChanged).toBe(true);
    expect(first.status).toMatchObject({ selectedClusters: 2, appliedClusters: 2, availableClusters: 2, failedClusters: 0, pendingClusters: 0 });
    for (const t of ["Applied", "Available", "ClustersSelected"]) expect(findCondition(first.status.conditions, t)?.status).toBe("True");
    expect(findCondition(first.status.conditions, "Progressing")).toMatchObject({ status: "False", reason: "RolloutComplete" });
    const again = planPlacement({ placement: { ...p, status: first.status }, selection: sel("a", "b"), works, namespaceReady: ready, now: "2026-02-01T00:00:00Z" });
    expect(again.statusChanged).toBe(false);
  });

  it("reports selection errors and write errors", () => {
    const p = placement();
    const none = planPlacement({ placement: p, selection: { clusters: [], problems: [], error: { reason: "PlacementDecisionNotFound", message: "no d" } }, works: [], namespaceReady: ready, now: T });
    expect(findCondition(none.status.conditions, "ClustersSelected")).toMatchObject({ status: "False", reason: "PlacementDecisionNotFound" });
    const errs = planPlacement({ placement: p, selection: sel("a"), works: [], namespaceReady: ready, writeErrors: new Map([["a", { reason: "Invalid", message: "bad" }]]), now: T });
    expect(errs.status.failures).toEqual([{ clusterName: "a", reason: "Invalid", message: "bad" }]);
  });
});
