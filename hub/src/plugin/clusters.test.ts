import { describe, expect, it } from "vitest";
import { clusterView, countWorks, renderClustersText } from "./clusters.js";
import { appliedWork, cond, emptyWork, failedWork, NOW, profile, unknownWork, work } from "./fixtures.test-util.js";

const healthy = { conditions: [cond("Joined", "True", "AgentJoined", "", 60), cond("ControlPlaneHealthy", "True", "Healthy", "", 60)], version: { kubernetes: "v1.32.4" } };

describe("countWorks", () => {
  it("counts Applied, Available and failed Works by their current conditions", () => {
    expect(countWorks([appliedWork("a"), appliedWork("b"), failedWork(), unknownWork(), emptyWork()])).toEqual({ total: 5, applied: 2, available: 2, failed: 1 });
  });

  it("ignores conditions computed for an older generation", () => {
    const stale = work("s", "ns", 4, { conditions: [cond("Applied", "True", "r", "", 1, 3), cond("Available", "True", "r", "", 1, 3)] });
    const staleFailure = work("f", "ns", 4, { conditions: [cond("Applied", "False", "r", "", 1, 3)] });
    const noGeneration = work("n", "ns", 4, { conditions: [cond("Applied", "True", "r", "")] });
    expect(countWorks([stale, staleFailure, noGeneration])).toEqual({ total: 3, applied: 1, available: 0, failed: 0 });
  });

  it("counts Degraded=True as failed even when applied", () => {
    const degraded = work("d", "ns", 1, { conditions: [cond("Applied", "True", "r", "", 1, 1), cond("Degraded", "True", "r", "", 1, 1)] });
    expect(countWorks([degraded])).toEqual({ total: 1, applied: 1, available: 0, failed: 1 });
  });
});

describe("clusterView", () => {
  it("takes Joined, ControlPlaneHealthy and the version from the profile", () => {
    const v = clusterView(profile("spoke1", "fleet-system", healthy), "spoke1", { works: [appliedWork(), failedWork()] });
    expect(v).toMatchObject({
      name: "spoke1",
      namespace: "spoke1",
      displayName: "SPOKE1",
      clusterManager: "work-api",
      joined: "True",
      healthy: "True",
      version: "v1.32.4",
      works: { total: 2, applied: 1, available: 1, failed: 1 },
      worksError: null,
    });
    expect(v.conditions.map((c) => c.type)).toEqual(["Joined", "ControlPlaneHealthy"]);
  });

  it("has nulls for what the profile does not say, and the error when Works could not be listed", () => {
    const v = clusterView(profile("new", "fleet-system"), "new", { error: "forbidden" });
    expect(v).toMatchObject({ joined: null, healthy: null, version: null, works: null, worksError: "forbidden", conditions: [] });
  });
});

describe("renderClustersText", () => {
  it("renders a kubectl-style table", () => {
    const text = renderClustersText(
      {
        inventoryNamespace: "fleet-system",
        clusters: [
          clusterView(profile("spoke1", "fleet-system", healthy), "spoke1", { works: [appliedWork(), failedWork(), unknownWork()] }),
          clusterView(
            profile("spoke2", "fleet-system", { conditions: [cond("Joined", "False", "LeaseExpired", "", 60), cond("ControlPlaneHealthy", "Unknown", "LeaseExpired", "", 60)] }),
            "spoke2",
            { works: [] },
          ),
          clusterView(profile("spoke3", "fleet-system"), "spoke3", { error: "forbidden" }),
        ],
      },
      { now: NOW, color: false },
    );
    expect(text).toBe(
      [
        "NAME     JOINED   HEALTHY   VERSION   WORKS   APPLIED   AVAILABLE   FAILED   AGE",
        "spoke1   True     True      v1.32.4   3       1         1           1        9d",
        "spoke2   False    Unknown   -         0       0         0           0        9d",
        "spoke3   -        -         -         ?       ?         ?           ?        9d",
        "",
      ].join("\n"),
    );
  });

  it("colours health and failures on a terminal", () => {
    const text = renderClustersText({ inventoryNamespace: "x", clusters: [clusterView(profile("a", "x", healthy), "a", { works: [failedWork()] })] }, { now: NOW, color: true });
    expect(text).toContain("\u001b[32mTrue  \u001b[0m");
    expect(text).toContain("\u001b[31m1     \u001b[0m");
  });
});
