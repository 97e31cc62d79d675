/**
 * The agent's view of its hub namespace: an informer on Works (the only
 * namespace its identity may read) and the two writes it makes to a Work,
 * both patches that cannot overwrite newer state and are sized by what
 * changed: finalizers by JSON patch guarded by `test` operations, status by
 * a merge patch of the status subresource with a resourceVersion
 * precondition. A Work the agent just wrote is remembered until the
 * informer has caught up (see WriteMemory). Every request reports its failure
 * to the {@link ReachabilityMonitor}; while the hub does not answer, requests fail at
 * once with {@link HubUnreachableError} instead of each waiting for a timeout,
 * so workers stay free to apply to the spoke.
 */
import { WorkResource, type Work, type WorkStatus } from "@work-api/api";
import { Informer, isNotFound, makeKey, type KubeClient, type Logger } from "@work-api/runtime";
import type { ReachabilityMonitor } from "./reachability.js";
import type { HubWorks } from "./ports.js";
import { WriteMemory } from "./write-memory.js";

/** The agent's reads and writes of single Works time out after this long, so a frozen hub holds a worker briefly. */
export const HUB_CALL_TIMEOUT_MS = 15_000;

export class HubWorkCache implements HubWorks {
  readonly informer: Informer<Work>;
  private readonly written: WriteMemory<Work>;

  constructor(
    private readonly client: KubeClient,
    namespace: string,
    resyncPeriodMs: number,
    log: Logger,
    private readonly monitor?: Pick<ReachabilityMonitor, "failed" | "reachable">,
    watchIdleTimeoutMs?: number,
  ) {
    this.informer = new Informer<Work>(client, WorkResource, { namespace, resyncPeriodMs, logger: log, name: "works", ...(watchIdleTimeoutMs !== undefined ? { watchIdleTimeoutMs } : {}) });
    this.written = new WriteMemory<Work>(() => this.informer.lastSyncResourceVersion());
    this.informer.onDelete((w) => this.written.forget(makeKey(w.metadata.namespace, w.metadata.name!)));
  }

  get(namespace: string, name: string): Work | undefined {
    const key = makeKey(namespace, name);
    return this.written.pick(key, this.informer.get(key));
  }

  /** Undefined only for a 404 that names this Work (not one for an unserved API or from a proxy). */
  async read(namespace: string, name: string): Promise<Work | undefined> {
    try {
      return await this.call(() => this.client.get<Work>(WorkResource, name, { namespace, timeoutMs: HUB_CALL_TIMEOUT_MS }));
    } catch (err) {
      const details = (err as { status?: { details?: { name?: string; kind?: string } } }).status?.details;
      if (isNotFound(err) && details?.name === name && details.kind === WorkResource.resource) return undefined;
      throw err;
    }
  }

  async addFinalizer(work: Work, finalizer: string): Promise<Work> {
    const list = work.metadata.finalizers;
    const ops =
      list === undefined || list.length === 0
        ? [{ op: "test", path: "/metadata/resourceVersion", value: work.metadata.resourceVersion }, { op: "add", path: "/metadata/finalizers", value: [finalizer] }]
        : [{ op: "test", path: "/metadata/finalizers", value: list }, { op: "add", path: "/metadata/finalizers/-", value: finalizer }];
    return this.remember(await this.call(() => this.client.patch<Work>(WorkResource, work.metadata.name!, ops, { namespace: work.metadata.namespace!, type: "json", timeoutMs: HUB_CALL_TIMEOUT_MS })));
  }

  async removeFinalizer(work: Work, finalizer: string): Promise<Work | undefined> {
    const i = (work.metadata.finalizers ?? []).indexOf(finalizer);
    if (i < 0) return work;
    const ops = [{ op: "test", path: `/metadata/finalizers/${i}`, value: finalizer }, { op: "remove", path: `/metadata/finalizers/${i}` }];
    try {
      return this.remember(await this.call(() => this.client.patch<Work>(WorkResource, work.metadata.name!, ops, { namespace: work.metadata.namespace!, type: "json", timeoutMs: HUB_CALL_TIMEOUT_MS })));
    } catch (err) {
      // Gone: removing the last finalizer of a deleted Work removes the Work.
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async patchStatus(work: Work, status: Partial<WorkStatus>): Promise<Work> {
    const body = { metadata: { resourceVersion: work.metadata.resourceVersion }, status };
    return this.remember(await this.call(() => this.client.patch<Work>(WorkResource, work.metadata.name!, body, { namespace: work.metadata.namespace!, type: "merge", subresource: "status", timeoutMs: HUB_CALL_TIMEOUT_MS })));
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    if (this.monitor !== undefined && !this.monitor.reachable()) throw new HubUnreachableError();
    try {
      return await fn();
    } catch (err) {
      this.monitor?.failed(err);
      throw err;
    }
  }

  private remember(w: Work): Work {
    // A Work whose last finalizer was removed while deleting comes back without metadata: it is gone.
    if (w?.metadata?.name) this.written.remember(makeKey(w.metadata.namespace, w.metadata.name), w);
    return w;
  }
}

/** The hub did not answer a moment ago; the request was not sent (retried once it answers again). */
export class HubUnreachableError extends Error {
  override readonly name = "HubUnreachableError";
  constructor() {
    super("the hub does not answer; not sent (retried when it answers again)");
  }
}
