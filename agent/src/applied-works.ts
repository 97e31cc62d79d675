/**
 * The agent's AppliedWorks on the spoke, cached by an informer that selects
 * only this agent's (several agents, for several hubs or hub namespaces, may
 * share one spoke).
 */
import { AppliedWorkResource, type AppliedWork } from "@work-api/api";
import { Informer, isNotFound, type KubeClient, type Logger } from "@work-api/runtime";
import type { SpokeAppliedWorks } from "./ports.js";
import { newerOf } from "./versions.js";

export class AppliedWorkCache implements SpokeAppliedWorks {
  readonly informer: Informer<AppliedWork>;
  /** Writes not yet seen by the informer, so a fast second reconcile does not create twice. */
  private readonly written = new Map<string, AppliedWork>();

  constructor(
    private readonly client: KubeClient,
    labelSelector: string,
    log: Logger,
  ) {
    this.informer = new Informer<AppliedWork>(client, AppliedWorkResource, { labelSelector, logger: log, name: "appliedworks" });
    this.informer.onDelete((aw) => this.written.delete(aw.metadata.name!));
  }

  async get(name: string): Promise<AppliedWork | undefined> {
    if (!this.informer.hasSynced()) {
      try {
        return await this.client.get<AppliedWork>(AppliedWorkResource, name);
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    }
    const cached = this.informer.get(name);
    const mine = this.written.get(name);
    if (!mine) return cached;
    const pick = newerOf(mine, cached);
    if (pick !== mine) this.written.delete(name);
    return pick;
  }

  async create(aw: AppliedWork): Promise<AppliedWork> {
    return this.remember(await this.client.create<AppliedWork>(AppliedWorkResource, aw));
  }

  async updateStatus(aw: AppliedWork): Promise<AppliedWork> {
    return this.remember(await this.client.updateStatus<AppliedWork>(AppliedWorkResource, aw));
  }

  async delete(name: string, uid: string | undefined): Promise<void> {
    this.written.delete(name);
    try {
      await this.client.delete(AppliedWorkResource, name, { ...(uid ? { preconditions: { uid } } : {}), propagationPolicy: "Background" });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private remember(aw: AppliedWork): AppliedWork {
    this.written.set(aw.metadata.name!, aw);
    return aw;
  }
}
