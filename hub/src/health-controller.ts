/**
 * Health: copies what each agent publishes on its heartbeat Lease into its
 * ClusterProfile's status (version, properties, Joined and
 * ControlPlaneHealthy), and flips the conditions when the Lease expires. A
 * fresh Lease schedules a reconcile for the moment it would expire, so an
 * agent that stops is noticed without any event.
 */
import { AGENT_LEASE_NAME, ClusterProfileConditionType, ClusterProfileResource, findCondition, type ClusterProfile } from "@work-api/api";
import { isNotFound, type Logger } from "@work-api/runtime";
import { healthStatus, type Lease } from "./health.js";
import { clusterNamespace } from "./names.js";
import { systemClock, type Api, type Cache, type Clock, type EventSink, type Result } from "./ports.js";
import { isOurs } from "./registration.js";

export interface HealthOptions {
  clusterManager: string;
  profiles: Cache<ClusterProfile>;
  leases: Cache<Lease>;
  api: Api;
  events: EventSink;
  log: Logger;
  /** Lease duration assumed when a Lease states none. */
  defaultLeaseDurationMs: number;
  clock?: Clock;
}

export class HealthReconciler {
  private readonly clock: Clock;

  constructor(private readonly o: HealthOptions) {
    this.clock = o.clock ?? systemClock;
  }

  /** `key` is "namespace/name" of a ClusterProfile. */
  async reconcile(key: string): Promise<Result> {
    const [invNs, name] = key.split("/") as [string, string];
    const profile = this.o.profiles.get(invNs, name);
    if (!profile || profile.metadata.deletionTimestamp || !isOurs(profile, this.o.clusterManager)) return {};
    // A Lease missing from a namespace not listed yet says nothing about the agent.
    if (this.o.leases.synced?.(clusterNamespace(name)) === false) return { requeueAfter: 1_000 };
    const lease = this.o.leases.get(clusterNamespace(name), AGENT_LEASE_NAME);
    const r = healthStatus(profile.status, lease, {
      clusterName: name,
      generation: profile.metadata.generation,
      defaultLeaseDurationMs: this.o.defaultLeaseDurationMs,
      nowMs: this.clock.now(),
    });
    if (r.changed) {
      try {
        await this.o.api.updateStatus(ClusterProfileResource, { ...profile, status: r.status });
      } catch (err) {
        if (isNotFound(err)) return {};
        throw err;
      }
      const before = findCondition(profile.status?.conditions, ClusterProfileConditionType.Joined);
      const after = findCondition(r.status.conditions, ClusterProfileConditionType.Joined);
      if (after && before?.status !== after.status) {
        const type = after.status === "True" ? "Normal" : "Warning";
        this.o.events.event(profile, type, after.reason, after.message);
        this.o.log.info({ cluster: name, joined: after.status, reason: after.reason }, "Cluster health changed");
      }
    }
    return r.recheckInMs !== undefined ? { requeueAfter: r.recheckInMs } : {};
  }
}
