/**
 * The agent's AppliedWorks on the spoke, cached by an informer that selects
 * only this agent's (several agents, for several hubs or hub namespaces, may
 * share one spoke), with two indexes: by uid (which Work an ownerReference
 * names) and by listed object (which Works list an object, so a spoke event
 * wakes every one of them, also those whose apply is waiting on a conflict).
 */
import { AppliedWorkResource, type AppliedWork } from "@work-api/api";
import { Informer, isNotFound, type KubeClient, type Logger } from "@work-api/runtime";
import { DELETE_OPTION_ANNOTATION, EXECUTOR_ANNOTATION, LETTING_GO_ANNOTATION, READ_ONLY_ANNOTATION } from "./labels.js";
import type { SpokeAppliedWorks } from "./ports.js";
import { WriteMemory } from "./write-memory.js";

/** Key of an object across versions: group/kind/namespace/name. */
export function inventoryKey(r: { group?: string | undefined; kind?: string | undefined; namespace?: string | undefined; name?: string | undefined }): string {
  return `${r.group ?? ""}/${r.kind ?? ""}/${r.namespace ?? ""}/${r.name ?? ""}`;
}

const BY_UID = "uid";
const BY_OBJECT = "object";

export class AppliedWorkCache implements SpokeAppliedWorks {
  readonly informer: Informer<AppliedWork>;
  /** Writes not yet seen by the informer, so a fast second reconcile does not create twice. */
  private readonly written: WriteMemory<AppliedWork>;

  constructor(
    private readonly client: KubeClient,
    labelSelector: string,
    log: Logger,
    watchIdleTimeoutMs?: number,
  ) {
    this.informer = new Informer<AppliedWork>(client, AppliedWorkResource, { labelSelector, logger: log, name: "appliedworks", ...(watchIdleTimeoutMs !== undefined ? { watchIdleTimeoutMs } : {}) });
    this.informer.addIndex(BY_UID, (aw) => (aw.metadata.uid ? [aw.metadata.uid] : []));
    this.informer.addIndex(BY_OBJECT, (aw) => (aw.status?.appliedResources ?? []).map(inventoryKey));
    this.written = new WriteMemory<AppliedWork>(() => this.informer.lastSyncResourceVersion());
    this.informer.onDelete((aw) => this.written.forget(aw.metadata.name!));
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
    return this.written.pick(name, this.informer.get(name));
  }

  /** This agent's AppliedWork with `uid`, from the cache. */
  byUid(uid: string): AppliedWork | undefined {
    return this.informer.byIndex(BY_UID, uid)[0];
  }

  /** This agent's AppliedWorks that list the object, from the cache. */
  listing(obj: { group?: string; kind?: string; namespace?: string; name?: string }): AppliedWork[] {
    return this.informer.byIndex(BY_OBJECT, inventoryKey(obj));
  }

  /** Every AppliedWork on the spoke (all agents), read from the API server. */
  async listAll(): Promise<AppliedWork[]> {
    return (await this.client.listAll<AppliedWork>(AppliedWorkResource, {})).items;
  }

  /** An AppliedWork of any agent, by name, from the API server. */
  async read(name: string): Promise<AppliedWork | undefined> {
    try {
      return await this.client.get<AppliedWork>(AppliedWorkResource, name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async create(aw: AppliedWork): Promise<AppliedWork> {
    return this.remember(await this.client.create<AppliedWork>(AppliedWorkResource, aw));
  }

  /** Replaces the inventory (status) under the AppliedWork's resourceVersion. */
  async updateStatus(aw: AppliedWork): Promise<AppliedWork> {
    return this.remember(await this.client.updateStatus<AppliedWork>(AppliedWorkResource, aw));
  }

  async markLettingGo(aw: AppliedWork): Promise<AppliedWork> {
    const body = { metadata: { uid: aw.metadata.uid, annotations: { [LETTING_GO_ANNOTATION]: "true" } } };
    return this.remember(await this.client.patch<AppliedWork>(AppliedWorkResource, aw.metadata.name!, body, { type: "merge" }));
  }

  async clearLettingGo(aw: AppliedWork): Promise<AppliedWork> {
    const body = { metadata: { uid: aw.metadata.uid, annotations: { [LETTING_GO_ANNOTATION]: null } } };
    return this.remember(await this.client.patch<AppliedWork>(AppliedWorkResource, aw.metadata.name!, body, { type: "merge" }));
  }

  async setExecutor(aw: AppliedWork, user: string | null): Promise<AppliedWork> {
    const body = { metadata: { uid: aw.metadata.uid, annotations: { [EXECUTOR_ANNOTATION]: user } } };
    return this.remember(await this.client.patch<AppliedWork>(AppliedWorkResource, aw.metadata.name!, body, { type: "merge" }));
  }

  async setDeleteOption(aw: AppliedWork, record: string | null): Promise<AppliedWork> {
    return this.annotate(aw, DELETE_OPTION_ANNOTATION, record);
  }

  async setReadOnly(aw: AppliedWork, value: string | null): Promise<AppliedWork> {
    return this.annotate(aw, READ_ONLY_ANNOTATION, value);
  }

  /** One annotation set (null removes it) by a merge patch with the uid as precondition. */
  private async annotate(aw: AppliedWork, key: string, value: string | null): Promise<AppliedWork> {
    const body = { metadata: { uid: aw.metadata.uid, annotations: { [key]: value } } };
    return this.remember(await this.client.patch<AppliedWork>(AppliedWorkResource, aw.metadata.name!, body, { type: "merge" }));
  }

  async delete(name: string, uid: string | undefined): Promise<void> {
    this.written.forget(name);
    try {
      await this.client.delete(AppliedWorkResource, name, { ...(uid ? { preconditions: { uid } } : {}), propagationPolicy: "Background" });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private remember(aw: AppliedWork): AppliedWork {
    this.written.remember(aw.metadata.name!, aw);
    return aw;
  }
}
