/**
 * From an agent's heartbeat Lease to its ClusterProfile's status: Kubernetes
 * version, properties, and the Joined / ControlPlaneHealthy conditions.
 * Pure; the health controller feeds it the cached Lease and profile.
 */
import {
  CLUSTER_PROPERTIES_ANNOTATION,
  ClusterProfileConditionType,
  KUBERNETES_VERSION_ANNOTATION,
  PROPERTIES_OBSERVED_ANNOTATION,
  SPOKE_HEALTHY_ANNOTATION,
  SPOKE_HEALTH_MESSAGE_ANNOTATION,
  conditionsEquivalent,
  setConditions,
  type ClusterProfileStatus,
  type DesiredCondition,
  type KubeObject,
  type Property,
} from "@work-api/api";
import { canonical } from "./rbac.js";

/** coordination.k8s.io/v1 Lease (the fields the hub reads). */
export interface Lease extends KubeObject {
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
  };
}

/** lastObservedTime of unchanged properties is refreshed at most this often (bounds status writes). */
export const PROPERTY_REFRESH_MS = 5 * 60_000;

export const HealthReason = {
  AgentLeaseRenewed: "AgentLeaseRenewed",
  AgentLeaseExpired: "AgentLeaseExpired",
  AgentNotConnected: "AgentNotConnected",
  SpokeHealthy: "SpokeApiServerHealthy",
  SpokeUnhealthy: "SpokeApiServerUnhealthy",
} as const;

export interface LeaseState {
  /** "fresh": renewed within its duration; "expired": not; "absent": no Lease. */
  state: "fresh" | "expired" | "absent";
  /** Last renewal (ms), when there is a Lease. */
  renewedMs?: number;
  /** When it expires / expired (ms). */
  expiresMs?: number;
}

/** The Lease's own duration when it states one, else `defaultDurationMs`. */
export function leaseState(lease: Lease | undefined, defaultDurationMs: number, nowMs: number): LeaseState {
  if (!lease) return { state: "absent" };
  const renewed = Date.parse(lease.spec?.renewTime ?? lease.spec?.acquireTime ?? lease.metadata?.creationTimestamp ?? "");
  if (Number.isNaN(renewed)) return { state: "expired" };
  const seconds = lease.spec?.leaseDurationSeconds;
  const duration = seconds !== undefined && seconds > 0 ? seconds * 1000 : defaultDurationMs;
  const expires = renewed + duration;
  return { state: expires > nowMs ? "fresh" : "expired", renewedMs: renewed, expiresMs: expires };
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");

/** At most this many properties from one heartbeat reach the ClusterProfile (the About API's own first). */
export const MAX_PROPERTIES = 64;
/** ...and at most this many characters of names and values together. */
export const MAX_PROPERTIES_CHARS = 16 * 1024;
/** A spoke's version and health message are cut to these lengths. */
const MAX_VERSION_CHARS = 64;
const MAX_MESSAGE_CHARS = 1024;
/** Properties of the About API (KEP-2149), kept before any other when the bounds bite. */
const ABOUT_PROPERTIES = new Set(["cluster.clusterset.k8s.io", "clusterset.k8s.io"]);

/**
 * Properties the agent published, validated against the ClusterProfile schema (invalid entries
 * dropped) and bounded: a spoke (whoever controls it) cannot grow the hub's ClusterProfile without
 * limit. Sorted by name; the About API's properties first when the bounds bite.
 */
export function publishedProperties(lease: Lease): { name: string; value: string }[] | undefined {
  const raw = lease.metadata?.annotations?.[CLUSTER_PROPERTIES_ANNOTATION];
  if (raw === undefined) return undefined;
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!Array.isArray(list)) return undefined;
  const out = new Map<string, string>();
  for (const p of list as { name?: unknown; value?: unknown }[]) {
    if (typeof p?.name !== "string" || typeof p.value !== "string") continue;
    if (p.name.length < 1 || p.name.length > 253 || p.value.length < 1 || p.value.length > 1024) continue;
    out.set(p.name, p.value);
  }
  const byName = ([a]: [string, string], [b]: [string, string]): number => (a < b ? -1 : a > b ? 1 : 0);
  const ordered = [...[...out].filter(([n]) => ABOUT_PROPERTIES.has(n)), ...[...out].filter(([n]) => !ABOUT_PROPERTIES.has(n)).sort(byName)];
  const kept: [string, string][] = [];
  let chars = 0;
  for (const [name, value] of ordered) {
    if (kept.length >= MAX_PROPERTIES || chars + name.length + value.length > MAX_PROPERTIES_CHARS) break;
    kept.push([name, value]);
    chars += name.length + value.length;
  }
  return kept.sort(byName).map(([name, value]) => ({ name, value }));
}

function nextProperties(current: Property[] | undefined, published: { name: string; value: string }[], observed: string, nowMs: number): Property[] {
  const same =
    current !== undefined &&
    current.length === published.length &&
    current.every((c, i) => c.name === published[i]?.name && c.value === published[i]?.value);
  if (same) {
    const prev = Date.parse(current[0]?.lastObservedTime ?? "");
    const obs = Date.parse(observed);
    // Unchanged values: keep the recorded time unless it is old enough to refresh.
    if (published.length === 0 || (!Number.isNaN(prev) && (Number.isNaN(obs) || obs - prev < PROPERTY_REFRESH_MS || nowMs - prev < PROPERTY_REFRESH_MS))) {
      return current;
    }
  }
  return published.map((p) => ({ name: p.name, value: p.value, lastObservedTime: observed }));
}

export interface HealthResult {
  status: ClusterProfileStatus;
  /** True when `status` differs from the current status (a write is needed). */
  changed: boolean;
  lease: LeaseState;
  /** Reconcile again after this long (when the Lease would expire), if fresh. */
  recheckInMs?: number;
}

/**
 * The status a ClusterProfile should have given its agent's Lease. Version
 * and properties are kept from the last heartbeat when the Lease expires;
 * the conditions say how stale they are.
 */
export function healthStatus(
  current: ClusterProfileStatus | undefined,
  lease: Lease | undefined,
  o: { clusterName: string; generation?: number | undefined; defaultLeaseDurationMs: number; nowMs: number },
): HealthResult {
  const ls = leaseState(lease, o.defaultLeaseDurationMs, o.nowMs);
  const status: ClusterProfileStatus = { ...(current ?? {}) };
  const gen = o.generation !== undefined ? { observedGeneration: o.generation } : {};
  const conds: DesiredCondition[] = [];
  if (ls.state === "fresh" && lease) {
    const ann = lease.metadata?.annotations ?? {};
    const reported = ann[KUBERNETES_VERSION_ANNOTATION];
    const version = reported !== undefined && reported.length <= MAX_VERSION_CHARS ? reported : undefined;
    if (version) status.version = { ...(status.version ?? {}), kubernetes: version };
    const props = publishedProperties(lease);
    if (props !== undefined) {
      // The spoke's own timestamp, only when it is a time and not in the future; else the renewal (or now).
      const stamp = Date.parse(ann[PROPERTIES_OBSERVED_ANNOTATION] ?? "");
      const renewed = Date.parse(lease.spec?.renewTime ?? "");
      const observedMs = Number.isFinite(stamp) && stamp <= o.nowMs + 60_000 ? stamp : Number.isFinite(renewed) ? Math.min(renewed, o.nowMs) : o.nowMs;
      status.properties = nextProperties(current?.properties, props, iso(observedMs), o.nowMs);
    }
    conds.push({ type: ClusterProfileConditionType.Joined, status: "True", reason: HealthReason.AgentLeaseRenewed, message: "The agent renews its heartbeat Lease.", ...gen });
    const healthy = ann[SPOKE_HEALTHY_ANNOTATION];
    if (healthy === "False") {
      conds.push({ type: ClusterProfileConditionType.ControlPlaneHealthy, status: "False", reason: HealthReason.SpokeUnhealthy, message: ann[SPOKE_HEALTH_MESSAGE_ANNOTATION]?.slice(0, MAX_MESSAGE_CHARS) || "The agent cannot reach its cluster's API server.", ...gen });
    } else {
      conds.push({ type: ClusterProfileConditionType.ControlPlaneHealthy, status: "True", reason: HealthReason.SpokeHealthy, message: ann[SPOKE_HEALTH_MESSAGE_ANNOTATION]?.slice(0, MAX_MESSAGE_CHARS) || "The agent reaches its cluster's API server.", ...gen });
    }
  } else if (ls.state === "expired") {
    const since = ls.renewedMs !== undefined ? ` since ${iso(ls.renewedMs)}` : "";
    const msg = `The agent has not renewed its Lease${since}; its cluster's state is unknown.`;
    conds.push({ type: ClusterProfileConditionType.Joined, status: "False", reason: HealthReason.AgentLeaseExpired, message: msg, ...gen });
    conds.push({ type: ClusterProfileConditionType.ControlPlaneHealthy, status: "Unknown", reason: HealthReason.AgentLeaseExpired, message: msg, ...gen });
  } else {
    const msg = `No heartbeat from the agent yet. Deploy it with the output of \`work-hub join ${o.clusterName}\`.`;
    conds.push({ type: ClusterProfileConditionType.Joined, status: "Unknown", reason: HealthReason.AgentNotConnected, message: msg, ...gen });
    conds.push({ type: ClusterProfileConditionType.ControlPlaneHealthy, status: "Unknown", reason: HealthReason.AgentNotConnected, message: msg, ...gen });
  }
  status.conditions = setConditions(current?.conditions, conds, iso(o.nowMs));
  const changed =
    !conditionsEquivalent(current?.conditions, status.conditions) ||
    canonical(current?.version ?? null) !== canonical(status.version ?? null) ||
    canonical(current?.properties ?? null) !== canonical(status.properties ?? null);
  return {
    status,
    changed,
    lease: ls,
    ...(ls.state === "fresh" ? { recheckInMs: Math.max(0, ls.expiresMs! - o.nowMs) + 1_000 } : {}),
  };
}
