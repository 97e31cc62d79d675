/**
 * Per-object watches on the spoke: one informer per object (a field selector
 * on its name, in its namespace), for objects a Work names but the agent's
 * label-selected caches cannot see because the agent never labelled them:
 * ReadOnly and ReportDiff objects, pre-existing CreateOnly objects, objects
 * not taken over. Their creation, changes and deletion call `onChange` like
 * the label-selected caches do, so the Works that name them are reconciled
 * on an event, never on a timer. Reference-counted: the informer stops when
 * the last holder releases it.
 */
import type { KubeObject } from "@work-api/api";
import type { ResourceMapping } from "@work-api/apply";
import { Informer, isForbidden, makeKey, type KubeClient, type Logger } from "@work-api/runtime";

export interface ObjectInformersOptions {
  client: KubeClient;
  log: Logger;
  onChange: (obj: KubeObject, m: ResourceMapping) => void;
  /** Watch idle timeout of the informers (see InformerOptions.watchIdleTimeoutMs). */
  watchIdleTimeoutMs?: number;
}

interface Watch {
  informer: Informer;
  refs: number;
}

/** A field selector value with `\`, `,` and `=` escaped (as fields.EscapeValue). */
export function escapeFieldValue(v: string): string {
  return v.replace(/[\\,=]/g, (c) => `\\${c}`);
}

export class ObjectInformers {
  private readonly watches = new Map<string, Watch>();

  constructor(private readonly o: ObjectInformersOptions) {}

  private static key(m: ResourceMapping, namespace: string | undefined, name: string): string {
    return `${m.group}/${m.version}/${m.resource}/${m.namespaced ? (namespace ?? "") : ""}/${name}`;
  }

  /** Watches the object until the returned function is called (once per call of watch). */
  watch(m: ResourceMapping, namespace: string | undefined, name: string): () => void {
    const k = ObjectInformers.key(m, namespace, name);
    let w = this.watches.get(k);
    if (!w) {
      const informer = new Informer(this.o.client, { group: m.group, version: m.version, resource: m.resource, namespaced: m.namespaced, kind: m.kind }, {
        ...(m.namespaced && namespace ? { namespace } : {}),
        fieldSelector: `metadata.name=${escapeFieldValue(name)}`,
        logger: this.o.log,
        name: `spoke-object-${m.resource}`,
        // Under an RBAC narrower than the shipped one (get/list/watch on everything) the watch retries quietly;
        // reads fall back to GETs (SpokeCache.observe).
        expectedFailure: isForbidden,
        ...(this.o.watchIdleTimeoutMs !== undefined ? { watchIdleTimeoutMs: this.o.watchIdleTimeoutMs } : {}),
      });
      informer.addEventHandler({
        onAdd: (obj) => this.o.onChange(obj, m),
        onUpdate: (oldObj, obj) => {
          if (oldObj.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.o.onChange(obj, m);
        },
        onDelete: (obj) => this.o.onChange(obj, m),
      });
      informer.start();
      w = { informer, refs: 0 };
      this.watches.set(k, w);
    }
    const watch = w;
    watch.refs++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--watch.refs > 0) return;
      this.watches.delete(k);
      watch.informer.stop().catch((err: unknown) => this.o.log.debug({ err, object: k }, "stopping an object watch failed"));
    };
  }

  /** What the object's watch knows: `known` once it has listed (then `object` is the object, or undefined when absent). */
  lookup(m: ResourceMapping, namespace: string | undefined, name: string): { known: boolean; object?: KubeObject } {
    const w = this.watches.get(ObjectInformers.key(m, namespace, name));
    if (!w?.informer.hasSynced()) return { known: false };
    const object = w.informer.get(makeKey(m.namespaced ? namespace : undefined, name));
    return object ? { known: true, object } : { known: true };
  }

  /** Objects watched. */
  get size(): number {
    return this.watches.size;
  }

  informers(): Informer[] {
    return [...this.watches.values()].map((w) => w.informer);
  }

  async stop(): Promise<void> {
    const all = [...this.watches.values()];
    this.watches.clear();
    await Promise.all(all.map((w) => w.informer.stop()));
  }
}
