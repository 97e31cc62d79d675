/**
 * The agent's view of its hub namespace: an informer on Works (the only
 * namespace its identity may read) and the two writes it makes to a Work.
 */
import { WorkResource, type Work } from "@work-api/api";
import { Informer, makeKey, type KubeClient, type Logger } from "@work-api/runtime";
import type { HubWorks } from "./ports.js";

export class HubWorkCache implements HubWorks {
  readonly informer: Informer<Work>;

  constructor(
    private readonly client: KubeClient,
    namespace: string,
    resyncPeriodMs: number,
    log: Logger,
  ) {
    this.informer = new Informer<Work>(client, WorkResource, { namespace, resyncPeriodMs, logger: log, name: "works" });
  }

  get(namespace: string, name: string): Work | undefined {
    return this.informer.get(makeKey(namespace, name));
  }

  update(work: Work): Promise<Work> {
    return this.client.update<Work>(WorkResource, work);
  }

  updateStatus(work: Work): Promise<Work> {
    return this.client.updateStatus<Work>(WorkResource, work);
  }
}
