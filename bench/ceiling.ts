/**
 * 1. Ceiling: the spoke API server's raw server-side-apply rate. A tight
 * loop of SSA creates of small ConfigMaps (labels and an owner reference like
 * the agent's objects, fieldValidation=Strict, force) at each concurrency,
 * from one Node client over the runtime's KubeClient, after a warm-up.
 */
import { AppliedWorkResource, type KubeObject } from "@work-api/api";
import { KubeClient } from "@work-api/runtime";
import type { BenchContext, CeilingResult, CeilingRun } from "./lib/context.js";
import { startCpuAccount, type CpuAccount } from "./lib/cpu.js";
import { ConfigMaps, createIfMissing, ensureNamespace } from "./lib/kube.js";
import { log, now } from "./lib/log.js";
import { configMap } from "./lib/objects.js";
import type { BenchCluster } from "./lib/plane.js";
import { round, roundSummary, summarize } from "./lib/stats.js";

export const CEILING_NAMESPACE = "bench-ceiling";
export const CEILING_OBJECT = "ConfigMap, 1 data key of 64 B, 2 labels, 1 ownerReference; SSA create (force, fieldValidation=Strict), admin token";

/** One ceiling loop: `concurrency` workers applying new ConfigMaps named `<prefix>-<n>` for warm-up + `seconds`. */
export async function ceilingLoop(ctx: BenchContext, spoke: BenchCluster, concurrency: number, prefix: string, seconds: number): Promise<CeilingRun> {
  const ns = CEILING_NAMESPACE;
  await ensureNamespace(spoke.admin, ns);
  // A real owner, so the objects carry the same owner reference as the agent's (and the GC keeps them).
  const ownerName = "bench-ceiling-owner";
  await createIfMissing(spoke.admin, AppliedWorkResource, { apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "AppliedWork", metadata: { name: ownerName }, spec: { workName: "ceiling", workNamespace: "bench" } });
  const owner = await spoke.admin.get<KubeObject>(AppliedWorkResource, ownerName);
  const client = KubeClient.fromFile(spoke.kubeconfig, { userAgent: "work-bench-ceiling/0.1.0", maxSockets: 64, timeoutMs: 60_000 });
  const warmup = ctx.sizes.ceilingWarmupSeconds;
  try {
    let n = 0;
    let errors = 0;
    const lat: number[] = [];
    const t0 = now();
    const warmEnd = t0 + warmup * 1000;
    const end = warmEnd + seconds * 1000;
    let counted = 0;
    let account: (() => CpuAccount) | undefined;
    const accountTimer = setTimeout(() => (account = startCpuAccount(ctx.plane.pids())), warmup * 1000);
    const worker = async (): Promise<void> => {
      while (now() < end) {
        const i = n++;
        const obj = configMap(ns, `${prefix}-${i}`);
        obj.metadata!.labels = { "work.multicluster.x-k8s.io/agent-bench00000": "", "bench.work-api/ceiling": prefix };
        obj.metadata!.ownerReferences = [{ apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "AppliedWork", name: ownerName, uid: owner.metadata!.uid!, controller: false, blockOwnerDeletion: false }];
        const a = now();
        try {
          await client.apply(ConfigMaps, obj, { fieldManager: `bench-ceiling-${prefix}`, force: true, fieldValidation: "Strict" });
        } catch (err) {
          errors++;
          if (errors <= 3) log(`ceiling ${prefix}: ${(err as Error).message}`);
          continue;
        }
        const b = now();
        if (a >= warmEnd && b <= end) {
          counted++;
          lat.push(b - a);
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    clearTimeout(accountTimer);
    const cpu = account ? account() : startCpuAccount({})();
    const run: CeilingRun = { concurrency, seconds: round(seconds, 2), requests: counted, errors, ssaPerSecond: round(counted / seconds, 1), latencyMs: roundSummary(summarize(lat), 2), cpu };
    log(`ceiling ${prefix} (concurrency ${concurrency}): ${run.ssaPerSecond} SSA/s (${counted} in ${seconds} s, p50 ${run.latencyMs.p50} ms, p99 ${run.latencyMs.p99} ms, ${errors} errors)`);
    return run;
  } finally {
    client.close();
  }
}

export async function runCeiling(ctx: BenchContext): Promise<CeilingResult> {
  const spoke = ctx.plane.spokes[0]!;
  const runs: CeilingRun[] = [];
  for (const c of ctx.sizes.ceilingConcurrency) runs.push(await ceilingLoop(ctx, spoke, c, `c${c}`, ctx.sizes.ceilingSeconds));
  return { kind: "ceiling", cluster: spoke.name, object: CEILING_OBJECT, warmupSeconds: ctx.sizes.ceilingWarmupSeconds, runs };
}
