/**
 * The agent's view of its hub namespace: an informer on Works (the only
 * namespace its identity may read) and the two writes it makes to a Work.
 * A Work the agent just wrote is remembered until the informer has caught
 * up, so a reconcile right after a write does not act on the older copy
 * (which would only earn a 409 and a retry).
 */
import { WorkResource, type Work } from "@work-api/api";
import { Informer, makeKey, type KubeClient, type Logger } from "@work-api/runtime";
import { newerOf } from "./versions.js";
import type { HubWorks } from "./ports.js";

export class HubWorkCache implements HubWorks {
  readonly informer: Informer<Work>;
  private readonly written = new Map<string, Work>();

  constructor(
    private readonly client: KubeClient,
    namespace: string,
    resyncPeriodMs: number,
    log: Logger,
  ) {
    this.informer = new Informer<Work>(client, WorkResource, { namespace, resyncPeriodMs, logger: log, name: "works" });
    this.informer.onDelete((w) => this.written.delete(makeKey(w.metadata.namespace, w.metadata.name!)));
  }

  get(namespace: string, name: string): Work | undefined {
    const key = makeKey(namespace, name);
    const cached = this.informer.get(key);
    const mine = this.written.get(key);
    if (!mine) return cached;
    const pick = newerOf(mine, cached);
    if (pick !== mine) this.written.delete(key);
    return pick;
  }

  async update(work: Work): Promise<Work> {
    return this.remember(await this.client.update<Work>(WorkResource, work));
  }

  async updateStatus(work: Work): Promise<Work> {
    return this.remember(await this.client.updateStatus<Work>(WorkResource, work));
  }

  private remember(w: Work): Work {
    this.written.set(makeKey(w.metadata.namespace, w.metadata.name!), w);
    return w;
  }
}
