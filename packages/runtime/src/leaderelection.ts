/**
 * Leader election on a coordination.k8s.io/v1 Lease, with client-go's
 * semantics: a candidate takes the lease when it is free or its holder has
 * not renewed it for `leaseDuration` (measured on the local clock from when
 * this candidate last saw the record change, so clock skew does not matter);
 * the leader renews every `retryPeriod` and steps down when it could not
 * renew for `renewDeadline`. Writes use optimistic concurrency, so two
 * candidates can never both win the same round.
 */
import os from "node:os";
import { randomUUID } from "node:crypto";
import type { KubeObject } from "@work-api/api";
import { deadline, sleep } from "./backoff.js";
import type { KubeClient } from "./client.js";
import { ensureError, isAlreadyExists, isConflict, isNotFound } from "./errors.js";
import { noopLogger, type Logger } from "./logger.js";
import type { ResourceRef } from "./paths.js";

/** coordination.k8s.io/v1 leases. */
export const LeaseResource: ResourceRef = { group: "coordination.k8s.io", version: "v1", resource: "leases", namespaced: true, kind: "Lease" };

/** coordination.k8s.io/v1 LeaseSpec (the fields leader election uses). */
export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

/** A Lease object. */
export interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

/** Options of {@link LeaderElector}. */
export interface LeaderElectorOptions {
  client: KubeClient;
  /** Namespace and name of the Lease. */
  namespace: string;
  name: string;
  /** This candidate's identity. Default "{hostname}_{uuid}". */
  identity?: string;
  /** How long a lease is valid without renewal. Default 15 s. */
  leaseDurationMs?: number;
  /** How long the leader keeps retrying a renewal before it steps down. Default 10 s. */
  renewDeadlineMs?: number;
  /** Interval between attempts (jittered by up to 20 % when acquiring). Default 2 s. */
  retryPeriodMs?: number;
  /** Give the lease up (holder cleared) when `run`'s signal aborts, so another candidate takes over at once. Default true. */
  releaseOnCancel?: boolean;
  /** Called when this candidate becomes leader; `signal` aborts when leadership ends. */
  onStartedLeading: (signal: AbortSignal) => void | Promise<void>;
  /** Called once when leadership ends (lost or released). */
  onStoppedLeading?: () => void;
  /** Called when the observed leader changes (including to this candidate). */
  onNewLeader?: (identity: string) => void;
  logger?: Logger;
}

/** Formats a time as metav1.MicroTime (RFC 3339 with 6 fractional digits). */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/** A candidate in a Lease-based election. */
export class LeaderElector {
  readonly identity: string;
  private readonly o: Required<Omit<LeaderElectorOptions, "onStoppedLeading" | "onNewLeader" | "logger" | "identity">> &
    Pick<LeaderElectorOptions, "onStoppedLeading" | "onNewLeader">;
  private readonly log: Logger;
  private observedKey = "";
  private observedTime = 0;
  private observed: Lease | undefined;
  private leading = false;
  private leader: string | undefined;

  constructor(opts: LeaderElectorOptions) {
    this.identity = opts.identity ?? `${os.hostname()}_${randomUUID()}`;
    this.o = {
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      releaseOnCancel: true,
      ...opts,
    };
    if (this.o.leaseDurationMs <= this.o.renewDeadlineMs) throw new Error("leaseDuration must be greater than renewDeadline");
    if (this.o.renewDeadlineMs <= this.o.retryPeriodMs * 1.2) throw new Error("renewDeadline must be greater than retryPeriod*1.2");
    this.log = (opts.logger ?? noopLogger).child({ lease: `${opts.namespace}/${opts.name}`, identity: this.identity });
  }

  /** True while this candidate holds the lease. */
  isLeader(): boolean {
    return this.leading;
  }

  /** The last observed holder, if any. */
  getLeader(): string | undefined {
    return this.leader;
  }

  /**
   * Campaigns until leader, leads until the lease is lost or `signal` aborts,
   * then returns (after releasing the lease if `releaseOnCancel`).
   */
  async run(signal: AbortSignal): Promise<void> {
    if (!(await this.acquire(signal))) return;
    const leaderAc = new AbortController();
    const onAbort = (): void => leaderAc.abort(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    this.leading = true;
    this.log.info("Became leader");
    void Promise.resolve()
      .then(() => this.o.onStartedLeading(leaderAc.signal))
      .catch((e: unknown) => this.log.error({ err: ensureError(e) }, "onStartedLeading failed"));
    try {
      await this.renewLoop(signal);
    } finally {
      signal.removeEventListener("abort", onAbort);
      this.leading = false;
      leaderAc.abort(new Error("leadership lost"));
      if (signal.aborted && this.o.releaseOnCancel) await this.release();
      this.log.info("Stopped leading");
      try {
        this.o.onStoppedLeading?.();
      } catch (e) {
        this.log.error({ err: ensureError(e) }, "onStoppedLeading failed");
      }
    }
  }

  private async acquire(signal: AbortSignal): Promise<boolean> {
    this.log.info("Attempting to acquire leader lease");
    while (!signal.aborted) {
      if (await this.tryAcquireOrRenew(signal)) return true;
      await sleep(this.o.retryPeriodMs * (1 + Math.random() * 0.2), signal, true);
    }
    return false;
  }

  private async renewLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await sleep(this.o.retryPeriodMs, signal, true);
      if (signal.aborted) return;
      const deadline = Date.now() + this.o.renewDeadlineMs;
      let renewed = false;
      while (!signal.aborted && Date.now() < deadline) {
        if (await this.tryAcquireOrRenew(signal, deadline - Date.now())) {
          renewed = true;
          break;
        }
        await sleep(Math.min(this.o.retryPeriodMs, Math.max(0, deadline - Date.now())), signal, true);
      }
      if (signal.aborted) return;
      if (!renewed) {
        this.log.error({ renewDeadlineMs: this.o.renewDeadlineMs }, "Failed to renew lease, leadership lost");
        return;
      }
    }
  }

  private observe(lease: Lease, now: number): void {
    const key = JSON.stringify(lease.spec ?? {});
    if (key !== this.observedKey) {
      this.observedKey = key;
      this.observedTime = now;
    }
    this.observed = lease;
    const holder = lease.spec?.holderIdentity ?? "";
    if (holder !== "" && holder !== this.leader) {
      this.leader = holder;
      if (holder !== this.identity) this.log.info({ leader: holder }, "New leader observed");
      try {
        this.o.onNewLeader?.(holder);
      } catch (e) {
        this.log.error({ err: ensureError(e) }, "onNewLeader failed");
      }
    }
  }

  /** One round: create, take over or renew the lease. */
  private async tryAcquireOrRenew(outer: AbortSignal, timeoutMs = this.o.renewDeadlineMs): Promise<boolean> {
    const d = deadline(timeoutMs, outer);
    try {
      return await this.acquireOrRenewOnce(outer, d.signal);
    } finally {
      d.done();
    }
  }

  private async acquireOrRenewOnce(outer: AbortSignal, signal: AbortSignal): Promise<boolean> {
    const { client, namespace, name } = this.o;
    const now = Date.now();
    const spec: LeaseSpec = {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.ceil(this.o.leaseDurationMs / 1000),
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };
    let current: Lease;
    try {
      current = await client.get<Lease>(LeaseResource, name, { namespace, signal });
    } catch (e) {
      if (!isNotFound(e)) {
        if (!outer.aborted) this.log.warn({ err: ensureError(e) }, "Failed to get lease");
        return false;
      }
      try {
        const created = await client.create<Lease>(LeaseResource, { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name, namespace }, spec }, { signal });
        this.observe(created, Date.now());
        return true;
      } catch (err) {
        if (!isAlreadyExists(err) && !outer.aborted) this.log.warn({ err: ensureError(err) }, "Failed to create lease");
        return false;
      }
    }
    this.observe(current, now);
    const old = current.spec ?? {};
    const holder = old.holderIdentity ?? "";
    const validFor = (old.leaseDurationSeconds ?? Math.ceil(this.o.leaseDurationMs / 1000)) * 1000;
    if (holder !== "" && holder !== this.identity && this.observedTime + validFor > now) return false;
    if (holder === this.identity) {
      spec.acquireTime = old.acquireTime ?? spec.acquireTime;
      spec.leaseTransitions = old.leaseTransitions ?? 0;
    } else {
      spec.leaseTransitions = (old.leaseTransitions ?? 0) + 1;
    }
    try {
      const updated = await client.update<Lease>(LeaseResource, { ...current, spec }, { signal });
      this.observe(updated, Date.now());
      return true;
    } catch (e) {
      if (!isConflict(e) && !outer.aborted) this.log.warn({ err: ensureError(e) }, "Failed to update lease");
      return false;
    }
  }

  /** Clears the holder so another candidate can take over at once. */
  private async release(): Promise<void> {
    let cur = this.observed;
    // A renewal cut short by the stop may have landed on the server after all:
    // on a conflict, re-read the Lease and release it if it is still ours.
    for (let attempt = 0; attempt < 3; attempt++) {
      if (cur?.spec?.holderIdentity !== this.identity) return;
      const now = Date.now();
      try {
        const spec: LeaseSpec = { leaseDurationSeconds: 1, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: cur.spec.leaseTransitions ?? 0 };
        const d = deadline(this.o.renewDeadlineMs);
        const released = await this.o.client.update<Lease>(LeaseResource, { ...cur, spec }, { signal: d.signal }).finally(d.done);
        this.observed = released;
        this.log.info("Released leader lease");
        return;
      } catch (e) {
        if (!isConflict(e) || attempt === 2) {
          this.log.warn({ err: ensureError(e) }, "Failed to release lease");
          return;
        }
        try {
          const d = deadline(this.o.renewDeadlineMs);
          cur = await this.o.client.get<Lease>(LeaseResource, this.o.name, { namespace: this.o.namespace, signal: d.signal }).finally(d.done);
        } catch (ge) {
          this.log.warn({ err: ensureError(ge) }, "Failed to release lease");
          return;
        }
      }
    }
  }
}
