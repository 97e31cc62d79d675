import { describe, expect, it } from "vitest";
import { evaluateHealth } from "./readiness.js";

const deploy = (spec: object, status: object, generation = 1) => ({ metadata: { generation }, spec, status: { observedGeneration: generation, ...status } });

describe("evaluateHealth", () => {
  it("marks a Deployment available when every replica is updated and available", () => {
    const h = evaluateHealth("apps", "Deployment", deploy({ replicas: 2 }, { updatedReplicas: 2, availableReplicas: 2 }));
    expect(h.available.status).toBe("True");
    expect(h.progressing.status).toBe("False");
  });

  it("reports a rolling Deployment as progressing and not available", () => {
    const h = evaluateHealth("apps", "Deployment", deploy({ replicas: 3 }, { updatedReplicas: 1, availableReplicas: 2 }));
    expect(h.available).toMatchObject({ status: "False", reason: "ReplicasNotReady" });
    expect(h.available.message).toMatch(/^1 of 3 replicas updated/);
    expect(h.progressing.status).toBe("True");
  });

  it("does not trust the status of a Deployment its controller has not observed", () => {
    const h = evaluateHealth("apps", "Deployment", { metadata: { generation: 2 }, spec: { replicas: 0 }, status: { observedGeneration: 1 } });
    expect(h.available.status).toBe("Unknown");
  });

  it("marks a Deployment whose progress deadline passed as degraded", () => {
    const h = evaluateHealth("apps", "Deployment", deploy({ replicas: 1 }, { conditions: [{ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded", message: "too slow" }] }));
    expect(h.degraded).toMatchObject({ status: "True", reason: "ProgressDeadlineExceeded" });
  });

  it("treats a Deployment scaled to zero as available", () => {
    expect(evaluateHealth("apps", "Deployment", deploy({ replicas: 0 }, {})).available.status).toBe("True");
  });

  it("follows Job completion and failure", () => {
    expect(evaluateHealth("batch", "Job", { status: { conditions: [{ type: "Complete", status: "True" }], succeeded: 1 } }).available.status).toBe("True");
    const failed = evaluateHealth("batch", "Job", { status: { conditions: [{ type: "Failed", status: "True", reason: "BackoffLimitExceeded" }] } });
    expect(failed.degraded).toMatchObject({ status: "True", reason: "BackoffLimitExceeded" });
    expect(evaluateHealth("batch", "Job", { status: { active: 1 } }).progressing.status).toBe("True");
  });

  it("requires a CRD to be established", () => {
    expect(evaluateHealth("apiextensions.k8s.io", "CustomResourceDefinition", { status: {} }).available.status).toBe("False");
    expect(evaluateHealth("apiextensions.k8s.io", "CustomResourceDefinition", { status: { conditions: [{ type: "Established", status: "True" }] } }).available.status).toBe("True");
  });

  it("follows Namespace and PVC phases", () => {
    expect(evaluateHealth("", "Namespace", { status: { phase: "Terminating" } }).available.status).toBe("False");
    expect(evaluateHealth("", "PersistentVolumeClaim", { status: { phase: "Bound" } }).available.status).toBe("True");
    expect(evaluateHealth("", "PersistentVolumeClaim", { status: { phase: "Pending" } }).available.status).toBe("False");
  });

  it("waits for a LoadBalancer Service's ingress but not a ClusterIP Service", () => {
    expect(evaluateHealth("", "Service", { spec: { type: "LoadBalancer" }, status: {} }).available.status).toBe("False");
    expect(evaluateHealth("", "Service", { spec: { type: "LoadBalancer" }, status: { loadBalancer: { ingress: [{ ip: "1.2.3.4" }] } } }).available.status).toBe("True");
    expect(evaluateHealth("", "Service", { spec: { type: "ClusterIP" } }).available.status).toBe("True");
  });

  it("treats kinds without a rule as available once they exist", () => {
    expect(evaluateHealth("", "ConfigMap", {}).available).toMatchObject({ status: "True", reason: "ResourceExists" });
  });

  it("evaluates StatefulSets and DaemonSets by their own counters", () => {
    expect(evaluateHealth("apps", "StatefulSet", deploy({ replicas: 2 }, { replicas: 2, readyReplicas: 2, updatedReplicas: 2, currentRevision: "r2", updateRevision: "r2" })).available.status).toBe("True");
    expect(evaluateHealth("apps", "DaemonSet", deploy({}, { desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 1 })).available.status).toBe("False");
    const ds = { desiredNumberScheduled: 3, currentNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3, numberReady: 3 };
    expect(evaluateHealth("apps", "DaemonSet", deploy({}, ds)).available.status).toBe("True");
  });

  it("keeps a Deployment mid-rollout not available while old replicas still run (kstatus)", () => {
    // 3 new replicas are up and available, 1 old one is still terminating: the rollout is not done.
    const h = evaluateHealth("apps", "Deployment", deploy({ replicas: 3 }, { replicas: 4, updatedReplicas: 3, readyReplicas: 4, availableReplicas: 4 }));
    expect(h.available.status).toBe("False");
    expect(h.available.message).toMatch(/^1 old replicas pending termination/);
    expect(h.progressing.status).toBe("True");
  });

  it("keeps a StatefulSet rolling to a new revision not available until currentRevision catches up", () => {
    const h = evaluateHealth("apps", "StatefulSet", deploy({ replicas: 2 }, { replicas: 2, readyReplicas: 2, updatedReplicas: 1, currentRevision: "r1", updateRevision: "r2" }));
    expect(h.available.status).toBe("False");
    expect(h.available.message).toContain("revision r2");
    const partitioned = deploy({ replicas: 3, updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 2 } } }, { replicas: 3, readyReplicas: 3, updatedReplicas: 1, currentRevision: "r1", updateRevision: "r2" });
    expect(evaluateHealth("apps", "StatefulSet", partitioned).available.status).toBe("True");
  });

  it("uses a custom resource's Ready (or Available) condition, and Stalled as degraded", () => {
    const cr = (conditions: object[], generation = 1, observed = 1) => ({ metadata: { generation }, status: { observedGeneration: observed, conditions } });
    expect(evaluateHealth("example.com", "Database", cr([{ type: "Ready", status: "False", reason: "Starting", message: "booting" }])).available).toMatchObject({ status: "False", reason: "Starting", message: "booting" });
    expect(evaluateHealth("example.com", "Database", cr([{ type: "Ready", status: "True" }])).available.status).toBe("True");
    expect(evaluateHealth("example.com", "Database", cr([{ type: "Available", status: "True" }])).available.status).toBe("True");
    expect(evaluateHealth("example.com", "Database", cr([{ type: "Ready", status: "True" }], 2, 1)).available.status).toBe("Unknown");
    expect(evaluateHealth("example.com", "Database", cr([{ type: "Ready", status: "False" }, { type: "Stalled", status: "True", reason: "Broken" }])).degraded).toMatchObject({ status: "True", reason: "Broken" });
    expect(evaluateHealth("example.com", "Database", cr([])).available.reason).toBe("ResourceExists");
  });
});
