/**
 * The agent's heartbeat: it renews the Lease `work-agent` in its hub
 * namespace every quarter of the lease duration and publishes, as Lease
 * annotations, what it observes of its spoke: the Kubernetes version, the
 * ClusterProperties (About API) and whether the spoke API server answers.
 * The hub controller turns these into the ClusterProfile status.
 */
import {
  AGENT_LEASE_NAME,
  CLUSTER_PROPERTIES_ANNOTATION,
  ClusterPropertyResource,
  KUBERNETES_VERSION_ANNOTATION,
  PROPERTIES_OBSERVED_ANNOTATION,
  SPOKE_HEALTHY_ANNOTATION,
  SPOKE_HEALTH_MESSAGE_ANNOTATION,
  type ClusterProperty,
  type KubeObject,
  type PublishedProperty,
} from "@work-api/api";
import { ensureError, isNotFound, type KubeClient, type Logger } from "@work-api/runtime";

export const LeaseResource = { group: "coordination.k8s.io", version: "v1", resource: "leases", namespaced: true, kind: "Lease" } as const;

interface Lease extends KubeObject {
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string };
}

export interface HeartbeatOptions {
  hub: KubeClient;
  spoke: KubeClient;
  namespace: string;
  /** holderIdentity of the Lease (host name and pid by default). */
  holder: string;
  leaseDurationMs: number;
  log: Logger;
}

/** metav1.MicroTime: RFC 3339 with six fractional digits. */
export function microTime(d: Date = new Date()): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

export interface SpokeObservation {
  version: string | undefined;
  properties: PublishedProperty[];
  healthy: boolean;
  message: string;
}

/** Reads the spoke's version and ClusterProperties; never throws. */
export async function observeSpoke(spoke: KubeClient): Promise<SpokeObservation> {
  try {
    const v = await spoke.transport.request<{ gitVersion?: string }>("GET", "/version");
    let properties: PublishedProperty[] = [];
    try {
      const list = await spoke.listAll<ClusterProperty>(ClusterPropertyResource);
      properties = list.items.map((p) => ({ name: p.metadata.name ?? "", value: p.spec?.value ?? "" })).sort((a, b) => a.name.localeCompare(b.name));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    return { version: v?.gitVersion, properties, healthy: true, message: "spoke API server answers" };
  } catch (err) {
    return { version: undefined, properties: [], healthy: false, message: `spoke API server unreachable: ${ensureError(err).message}` };
  }
}

export class Heartbeat {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private lease: Lease | undefined;
  private inflight: Promise<void> | undefined;

  constructor(private readonly o: HeartbeatOptions) {}

  start(): void {
    this.stopped = false;
    this.tick();
  }

  private tick(): void {
    if (this.stopped) return;
    this.inflight = this.renew()
      .catch((err: unknown) => this.o.log.warn({ err: ensureError(err), lease: `${this.o.namespace}/${AGENT_LEASE_NAME}` }, "heartbeat renewal failed"))
      .finally(() => {
        this.inflight = undefined;
        if (!this.stopped) this.timer = setTimeout(() => this.tick(), Math.max(1000, this.o.leaseDurationMs / 4));
      });
  }

  /** Renews once: observe the spoke, then write the Lease. */
  async renew(): Promise<void> {
    const obs = await observeSpoke(this.o.spoke);
    const annotations: Record<string, string> = {
      [SPOKE_HEALTHY_ANNOTATION]: obs.healthy ? "True" : "False",
      [SPOKE_HEALTH_MESSAGE_ANNOTATION]: obs.message,
    };
    if (obs.healthy) {
      if (obs.version) annotations[KUBERNETES_VERSION_ANNOTATION] = obs.version;
      annotations[CLUSTER_PROPERTIES_ANNOTATION] = JSON.stringify(obs.properties);
      annotations[PROPERTIES_OBSERVED_ANNOTATION] = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    }
    const now = microTime();
    const spec = { holderIdentity: this.o.holder, leaseDurationSeconds: Math.ceil(this.o.leaseDurationMs / 1000), renewTime: now };
    let current = this.lease;
    if (!current) {
      try {
        current = await this.o.hub.get<Lease>(LeaseResource, AGENT_LEASE_NAME, { namespace: this.o.namespace });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    if (!current) {
      this.lease = await this.o.hub.create<Lease>(LeaseResource, {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name: AGENT_LEASE_NAME, namespace: this.o.namespace, annotations },
        spec: { ...spec, acquireTime: now },
      });
      return;
    }
    const keep = obs.healthy ? {} : pick(current.metadata?.annotations, [KUBERNETES_VERSION_ANNOTATION, CLUSTER_PROPERTIES_ANNOTATION, PROPERTIES_OBSERVED_ANNOTATION]);
    try {
      this.lease = await this.o.hub.update<Lease>(LeaseResource, {
        ...current,
        metadata: { ...current.metadata, annotations: { ...current.metadata?.annotations, ...keep, ...annotations } },
        spec: { ...current.spec, ...spec, ...(current.spec?.holderIdentity !== this.o.holder ? { acquireTime: now } : {}) },
      });
    } catch (err) {
      this.lease = undefined; // re-read next time (409 or the Lease was deleted)
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.inflight;
  }
}

function pick(a: Record<string, string> | undefined, keys: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) if (a?.[k] !== undefined) out[k] = a[k];
  return out;
}
