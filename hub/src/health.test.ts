import { describe, expect, it } from "vitest";
import {
  CLUSTER_PROPERTIES_ANNOTATION,
  KUBERNETES_VERSION_ANNOTATION,
  PROPERTIES_OBSERVED_ANNOTATION,
  SPOKE_HEALTHY_ANNOTATION,
  SPOKE_HEALTH_MESSAGE_ANNOTATION,
  findCondition,
} from "@work-api/api";
import { MAX_PROPERTIES, MAX_PROPERTIES_CHARS, PROPERTY_REFRESH_MS, healthStatus, leaseState, publishedProperties, type Lease } from "./health.js";

const t0 = Date.parse("2026-01-01T00:00:00Z");
const iso = (ms: number): string => new Date(ms).toISOString();

function lease(renewMs: number, annotations: Record<string, string> = {}, seconds = 40): Lease {
  return {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name: "work-agent", namespace: "c1", annotations },
    spec: { holderIdentity: "agent", leaseDurationSeconds: seconds, renewTime: iso(renewMs).replace("Z", "000Z") },
  };
}

const opts = (nowMs: number) => ({ clusterName: "c1", generation: 1, defaultLeaseDurationMs: 40_000, nowMs });

describe("leaseState", () => {
  it("is fresh within the Lease's own duration, expired after", () => {
    expect(leaseState(lease(t0), 5_000, t0 + 39_000).state).toBe("fresh");
    expect(leaseState(lease(t0), 5_000, t0 + 41_000).state).toBe("expired");
    expect(leaseState(undefined, 5_000, t0).state).toBe("absent");
  });

  it("uses the default duration when the Lease states none", () => {
    const l = lease(t0);
    delete l.spec!.leaseDurationSeconds;
    expect(leaseState(l, 5_000, t0 + 6_000).state).toBe("expired");
  });
});

describe("healthStatus", () => {
  const ann = {
    [KUBERNETES_VERSION_ANNOTATION]: "v1.34.4",
    [CLUSTER_PROPERTIES_ANNOTATION]: JSON.stringify([
      { name: "clusterset.k8s.io", value: "set" },
      { name: "cluster.clusterset.k8s.io", value: "c1" },
      { name: "", value: "dropped" },
    ]),
    [PROPERTIES_OBSERVED_ANNOTATION]: iso(t0),
    [SPOKE_HEALTHY_ANNOTATION]: "True",
  };

  it("copies version and properties and sets both conditions True while the Lease is fresh", () => {
    const r = healthStatus(undefined, lease(t0, ann), opts(t0 + 1_000));
    expect(r.changed).toBe(true);
    expect(r.status.version).toEqual({ kubernetes: "v1.34.4" });
    expect(r.status.properties).toEqual([
      { name: "cluster.clusterset.k8s.io", value: "c1", lastObservedTime: "2026-01-01T00:00:00Z" },
      { name: "clusterset.k8s.io", value: "set", lastObservedTime: "2026-01-01T00:00:00Z" },
    ]);
    expect(findCondition(r.status.conditions, "Joined")).toMatchObject({ status: "True", reason: "AgentLeaseRenewed", observedGeneration: 1 });
    expect(findCondition(r.status.conditions, "ControlPlaneHealthy")).toMatchObject({ status: "True" });
    expect(r.recheckInMs).toBe(40_000);
  });

  it("does not ask for a write on a renewal that changes nothing", () => {
    const first = healthStatus(undefined, lease(t0, ann), opts(t0 + 1_000));
    const again = healthStatus(first.status, lease(t0 + 10_000, { ...ann, [PROPERTIES_OBSERVED_ANNOTATION]: iso(t0 + 10_000) }), opts(t0 + 11_000));
    expect(again.changed).toBe(false);
    // ...but refreshes lastObservedTime once it is old.
    const later = t0 + PROPERTY_REFRESH_MS + 20_000;
    const refreshed = healthStatus(first.status, lease(later, { ...ann, [PROPERTIES_OBSERVED_ANNOTATION]: iso(later) }), opts(later + 1_000));
    expect(refreshed.changed).toBe(true);
    expect(refreshed.status.properties?.[0]?.lastObservedTime).toBe(iso(later).replace(/\.\d+Z$/, "Z"));
  });

  it("writes when a property value changes", () => {
    const first = healthStatus(undefined, lease(t0, ann), opts(t0 + 1_000));
    const changed = healthStatus(first.status, lease(t0 + 10_000, { ...ann, [CLUSTER_PROPERTIES_ANNOTATION]: JSON.stringify([{ name: "clusterset.k8s.io", value: "other" }]) }), opts(t0 + 11_000));
    expect(changed.changed).toBe(true);
    expect(changed.status.properties).toHaveLength(1);
  });

  it("reports an unhealthy spoke API server with the agent's message", () => {
    const r = healthStatus(undefined, lease(t0, { ...ann, [SPOKE_HEALTHY_ANNOTATION]: "False", [SPOKE_HEALTH_MESSAGE_ANNOTATION]: "connection refused" }), opts(t0));
    expect(findCondition(r.status.conditions, "ControlPlaneHealthy")).toMatchObject({ status: "False", reason: "SpokeApiServerUnhealthy", message: "connection refused" });
    expect(findCondition(r.status.conditions, "Joined")?.status).toBe("True");
  });

  it("turns Joined False and ControlPlaneHealthy Unknown when the Lease expires, keeping the last data", () => {
    const fresh = healthStatus(undefined, lease(t0, ann), opts(t0 + 1_000));
    const r = healthStatus(fresh.status, lease(t0, ann), opts(t0 + 60_000));
    expect(r.changed).toBe(true);
    expect(findCondition(r.status.conditions, "Joined")).toMatchObject({ status: "False", reason: "AgentLeaseExpired" });
    expect(findCondition(r.status.conditions, "ControlPlaneHealthy")).toMatchObject({ status: "Unknown", reason: "AgentLeaseExpired" });
    expect(findCondition(r.status.conditions, "Joined")?.lastTransitionTime).toBe("2026-01-01T00:01:00Z");
    expect(r.status.version?.kubernetes).toBe("v1.34.4");
    expect(r.recheckInMs).toBeUndefined();
  });

  it("says Unknown / AgentNotConnected before the first heartbeat", () => {
    const r = healthStatus(undefined, undefined, opts(t0));
    expect(findCondition(r.status.conditions, "Joined")).toMatchObject({ status: "Unknown", reason: "AgentNotConnected" });
    expect(findCondition(r.status.conditions, "Joined")?.message).toContain("work-hub join c1");
  });

  it("bounds what a spoke publishes: 64 properties, 16 Ki characters, the About API's first; no oversized version", () => {
    const many = Array.from({ length: 500 }, (_, i) => ({ name: `p${String(i).padStart(3, "0")}`, value: "v".repeat(1000) }));
    const published = [...many, { name: "zz.clusterset.k8s.io", value: "x" }, { name: "cluster.clusterset.k8s.io", value: "c1" }, { name: "clusterset.k8s.io", value: "set" }];
    const props = publishedProperties(lease(t0, { [CLUSTER_PROPERTIES_ANNOTATION]: JSON.stringify(published) }))!;
    expect(props.length).toBeLessThanOrEqual(MAX_PROPERTIES);
    expect(props.reduce((n, p) => n + p.name.length + p.value.length, 0)).toBeLessThanOrEqual(MAX_PROPERTIES_CHARS);
    expect(props.map((p) => p.name)).toEqual(expect.arrayContaining(["cluster.clusterset.k8s.io", "clusterset.k8s.io"]));
    const small = Array.from({ length: 100 }, (_, i) => ({ name: `q${String(i).padStart(3, "0")}`, value: "1" }));
    expect(publishedProperties(lease(t0, { [CLUSTER_PROPERTIES_ANNOTATION]: JSON.stringify(small) }))).toHaveLength(MAX_PROPERTIES);
    const r = healthStatus(undefined, lease(t0, { [KUBERNETES_VERSION_ANNOTATION]: "v".repeat(65) }), opts(t0 + 1_000));
    expect(r.status.version?.kubernetes).toBeUndefined();
  });

  it("drops invalid published properties and tolerates bad JSON", () => {
    expect(publishedProperties(lease(t0, { [CLUSTER_PROPERTIES_ANNOTATION]: "{nope" }))).toBeUndefined();
    expect(publishedProperties(lease(t0, { [CLUSTER_PROPERTIES_ANNOTATION]: JSON.stringify([{ name: "a", value: "x".repeat(1025) }, { name: "b", value: "1" }]) }))).toEqual([{ name: "b", value: "1" }]);
  });
});
