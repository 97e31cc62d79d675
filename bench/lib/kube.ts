/**
 * Kubernetes helpers of the benchmarks: admin clients, resource refs,
 * bounded-concurrency loops with retries, and the WorkTracker that records
 * when each Work's `Applied=True` (for its current generation) is first seen
 * on the hub.
 */
import { ConditionType, WorkResource, type KubeObject, type Work } from "@work-api/api";
import { Informer, KubeClient, isAlreadyExists, isConflict, isNotFound, isTooManyRequests, type ObjectLike, type ResourceRef } from "@work-api/runtime";
import { now, sleep } from "./log.js";

export const Namespaces: ResourceRef = { group: "", version: "v1", resource: "namespaces", namespaced: false, kind: "Namespace" };
export const ConfigMaps: ResourceRef = { group: "", version: "v1", resource: "configmaps", namespaced: true, kind: "ConfigMap" };
export const Secrets: ResourceRef = { group: "", version: "v1", resource: "secrets", namespaced: true, kind: "Secret" };
export const ServiceAccounts: ResourceRef = { group: "", version: "v1", resource: "serviceaccounts", namespaced: true, kind: "ServiceAccount" };
export const Roles: ResourceRef = { group: "rbac.authorization.k8s.io", version: "v1", resource: "roles", namespaced: true, kind: "Role" };
export const RoleBindings: ResourceRef = { group: "rbac.authorization.k8s.io", version: "v1", resource: "rolebindings", namespaced: true, kind: "RoleBinding" };

/** A client for a kubeconfig file, with enough sockets for the benchmark's concurrency. */
export function clientFor(kubeconfigPath: string, userAgent = "work-bench/0.1.0"): KubeClient {
  return KubeClient.fromFile(kubeconfigPath, { userAgent, maxSockets: 64, timeoutMs: 60_000 });
}

export async function createIfMissing<T extends ObjectLike>(client: KubeClient, ref: ResourceRef, obj: T): Promise<void> {
  try {
    await client.create(ref, obj);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}

export async function ensureNamespace(client: KubeClient, name: string, labels: Record<string, string> = {}): Promise<void> {
  await createIfMissing(client, Namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name, labels } });
}

function transient(err: unknown): boolean {
  if (isTooManyRequests(err) || isConflict(err)) return true;
  const code = (err as { statusCode?: number; code?: unknown }).statusCode;
  if (typeof code === "number" && code >= 500) return true;
  const sys = (err as NodeJS.ErrnoException).code;
  return sys === "ECONNRESET" || sys === "EPIPE" || sys === "ETIMEDOUT";
}

/** Retries transient failures (429, 5xx, reset sockets) a few times. */
export async function withRetry<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts || !transient(err)) throw err;
      await sleep(100 * 2 ** i);
    }
  }
}

/** Runs fn over items with at most `concurrency` in flight; rejects with the first error after in-flight calls end. */
export async function pool<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  let failed: unknown;
  const worker = async (): Promise<void> => {
    while (failed === undefined) {
      const i = next++;
      if (i >= items.length) return;
      try {
        out[i] = await fn(items[i]!, i);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (failed !== undefined) throw failed instanceof Error ? failed : new Error(JSON.stringify(failed));
  return out;
}

/** True when the Work's summary Applied condition is True for its current generation. */
export function isApplied(w: Work): boolean {
  const c = w.status?.conditions?.find((x) => x.type === ConditionType.Applied);
  return c?.status === "True" && (c.observedGeneration === undefined || c.observedGeneration === w.metadata.generation);
}

export function workObject(namespace: string, name: string, manifests: KubeObject[], labels: Record<string, string> = {}): Work {
  return { apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "Work", metadata: { name, namespace, labels }, spec: { workload: { manifests } } };
}

/**
 * Watches Works on the hub (one namespace, or a label selector over all) and
 * records when each is first seen Applied. Times are monotonic ms.
 */
export class WorkTracker {
  readonly appliedAt = new Map<string, number>();
  readonly seenAt = new Map<string, number>();
  /** Changes of each Work (new resourceVersion) seen after it was Applied, e.g. status reports of later conditions. */
  readonly updatesAfterApplied = new Map<string, number>();
  private readonly informer: Informer<Work>;
  private waiters: { keys?: Set<string>; count?: number; resolve: () => void }[] = [];

  constructor(client: KubeClient, scope: { namespace?: string; labelSelector?: string }) {
    this.informer = new Informer<Work>(client, WorkResource, { ...scope, name: "bench-works" });
    const seen = (w: Work): void => {
      const key = `${w.metadata.namespace}/${w.metadata.name}`;
      if (!this.seenAt.has(key)) this.seenAt.set(key, now());
      if (!this.appliedAt.has(key) && isApplied(w)) {
        this.appliedAt.set(key, now());
        this.check();
      }
    };
    this.informer.addEventHandler({
      onAdd: seen,
      onUpdate: (o, w) => {
        const key = `${w.metadata.namespace}/${w.metadata.name}`;
        if (this.appliedAt.has(key) && o.metadata.resourceVersion !== w.metadata.resourceVersion) this.updatesAfterApplied.set(key, (this.updatesAfterApplied.get(key) ?? 0) + 1);
        seen(w);
      },
    });
  }

  async start(): Promise<void> {
    this.informer.start();
    await this.informer.waitForSync(AbortSignal.timeout(60_000));
  }

  async stop(): Promise<void> {
    await this.informer.stop();
  }

  works(): Work[] {
    return this.informer.list();
  }

  private check(): void {
    this.waiters = this.waiters.filter((w) => {
      const done = w.keys ? [...w.keys].every((k) => this.appliedAt.has(k)) : this.appliedAt.size >= (w.count ?? 0);
      if (done) w.resolve();
      return !done;
    });
  }

  /** Why some of `keys` (or of all tracked Works) are not Applied: their Applied condition, for error messages. */
  pendingReport(keys?: readonly string[], max = 5): string {
    const works = this.informer.list().filter((w) => {
      const k = `${w.metadata.namespace}/${w.metadata.name}`;
      return !this.appliedAt.has(k) && (keys === undefined || keys.includes(k));
    });
    const shown = works.slice(0, max).map((w) => {
      const c = w.status?.conditions?.find((x) => x.type === ConditionType.Applied);
      return `${w.metadata.namespace}/${w.metadata.name}: ${c ? `Applied=${c.status} ${c.reason}: ${c.message}` : "no Applied condition yet"}`;
    });
    return `${works.length} not Applied${shown.length ? `, e.g. ${shown.join("; ")}` : ""}`;
  }

  /**
   * Resolves when every key ("ns/name") is Applied (or, given a number, that many
   * Works are); rejects after timeoutMs, or when no Work became Applied for stallMs.
   */
  async waitApplied(keys: readonly string[] | number, timeoutMs: number, what = "Works", stallMs = 180_000): Promise<void> {
    const p = new Promise<void>((resolve) => {
      this.waiters.push(typeof keys === "number" ? { count: keys, resolve } : { keys: new Set(keys), resolve });
      this.check();
    });
    const want = typeof keys === "number" ? keys : keys.length;
    const have = (): number => (typeof keys === "number" ? this.appliedAt.size : keys.filter((k) => this.appliedAt.has(k)).length);
    let timer: ReturnType<typeof setInterval> | undefined;
    const started = Date.now();
    let last = have();
    let lastChange = Date.now();
    const failed = new Promise<never>((_, reject) => {
      timer = setInterval(() => {
        const n = have();
        if (n !== last) {
          last = n;
          lastChange = Date.now();
        }
        const stalled = Date.now() - lastChange > stallMs;
        if (stalled || Date.now() - started > timeoutMs) {
          const why = stalled ? `no progress for ${Math.round(stallMs / 1000)} s` : `timed out after ${Math.round(timeoutMs / 1000)} s`;
          reject(new Error(`${what}: ${n} of ${want} Applied, ${why}; ${this.pendingReport(typeof keys === "number" ? undefined : keys)}`));
        }
      }, 1000);
    });
    try {
      await Promise.race([p, failed]);
    } finally {
      clearInterval(timer);
    }
  }
}

/** Reads an object; undefined when it does not exist. */
export async function getOrUndefined<T extends KubeObject>(client: KubeClient, ref: ResourceRef, name: string, namespace?: string): Promise<T | undefined> {
  try {
    return await client.get<T>(ref, name, namespace !== undefined ? { namespace } : {});
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
