import { describe, expect, it } from "vitest";
import { DECISION_KEY_LABEL, type ClusterProfile, type PlacementDecision, type WorkPlacement } from "@work-api/api";
import { matchesSelector, selectClusters } from "./selection.js";

const profile = (name: string, labels: Record<string, string> = {}, deleting = false): ClusterProfile => ({
  apiVersion: "multicluster.x-k8s.io/v1alpha1",
  kind: "ClusterProfile",
  metadata: { name, namespace: "fleet", labels, ...(deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}) },
  spec: { clusterManager: { name: "work-api" } },
});

const placement = (spec: Partial<WorkPlacement["spec"]>): WorkPlacement => ({
  apiVersion: "multicluster.x-k8s.io/v1alpha1",
  kind: "WorkPlacement",
  metadata: { name: "web", namespace: "fleet", generation: 1 },
  spec: { workTemplate: { spec: {} }, ...spec },
});

const decision = (name: string, clusters: string[], labels: Record<string, string> = {}, ns?: string): PlacementDecision => ({
  apiVersion: "multicluster.x-k8s.io/v1alpha1",
  kind: "PlacementDecision",
  metadata: { name, namespace: "fleet", labels },
  decisions: clusters.map((c) => ({ clusterProfileRef: { name: c, ...(ns ? { namespace: ns } : {}) } })),
});

describe("matchesSelector", () => {
  it("implements matchLabels and every operator", () => {
    const l = { env: "prod", region: "eu" };
    expect(matchesSelector({}, l)).toBe(true);
    expect(matchesSelector({ matchLabels: { env: "prod" } }, l)).toBe(true);
    expect(matchesSelector({ matchLabels: { env: "dev" } }, l)).toBe(false);
    expect(matchesSelector({ matchExpressions: [{ key: "region", operator: "In", values: ["eu", "us"] }] }, l)).toBe(true);
    expect(matchesSelector({ matchExpressions: [{ key: "region", operator: "NotIn", values: ["eu"] }] }, l)).toBe(false);
    expect(matchesSelector({ matchExpressions: [{ key: "tier", operator: "NotIn", values: ["x"] }] }, l)).toBe(true);
    expect(matchesSelector({ matchExpressions: [{ key: "tier", operator: "Exists" }] }, l)).toBe(false);
    expect(matchesSelector({ matchExpressions: [{ key: "tier", operator: "DoesNotExist" }] }, l)).toBe(true);
  });
});

describe("selectClusters", () => {
  const profiles = [profile("b", { env: "prod" }), profile("a", { env: "prod" }), profile("c", { env: "dev" }), profile("d", { env: "prod" }, true)];

  it("selects matching profiles by name order, skipping ones being deleted", () => {
    expect(selectClusters(placement({ clusterSelector: { matchLabels: { env: "prod" } } }), profiles, [])).toEqual({ clusters: ["a", "b"], problems: [] });
  });

  it("follows one decision by name", () => {
    const s = selectClusters(placement({ placementDecisionRef: { name: "d1" } }), profiles, [decision("d1", ["c", "a"]), decision("d2", ["b"])]);
    expect(s.clusters).toEqual(["a", "c"]);
  });

  it("unions decision slices by decision key and names unknown clusters as problems", () => {
    const s = selectClusters(
      placement({ placementDecisionRef: { decisionKey: "k" } }),
      profiles,
      [decision("s0", ["a"], { [DECISION_KEY_LABEL]: "k" }), decision("s1", ["b", "zz"], { [DECISION_KEY_LABEL]: "k" }), decision("other", ["c"])],
    );
    expect(s.clusters).toEqual(["a", "b"]);
    expect(s.problems).toEqual([expect.objectContaining({ clusterName: "zz", reason: "ClusterProfileNotFound" })]);
  });

  it("refuses ClusterProfiles of another namespace", () => {
    const s = selectClusters(placement({ placementDecisionRef: { name: "d" } }), profiles, [decision("d", ["a"], {}, "elsewhere")]);
    expect(s.clusters).toEqual([]);
    expect(s.problems[0]?.reason).toBe("ClusterProfileNotInNamespace");
  });

  it("reports a missing decision", () => {
    expect(selectClusters(placement({ placementDecisionRef: { name: "nope" } }), profiles, []).error?.reason).toBe("PlacementDecisionNotFound");
  });
});
