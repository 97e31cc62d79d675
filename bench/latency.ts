/**
 * 2. Latency: Works created one after another (the next once the previous
 * is Applied), each with a Namespace, ConfigMap, Secret, Service and
 * Deployment; time from sending the create to seeing `Applied=True` (for the
 * Work's generation) in a watch on the hub. Also request efficiency for
 * 5-manifest Works.
 */
import type { BenchContext, LatencyResult } from "./lib/context.js";
import { WorkResource } from "@work-api/api";
import { withRetry, workObject } from "./lib/kube.js";
import { log, now, sleep } from "./lib/log.js";
import { APP_BUNDLE_KINDS, appBundle } from "./lib/objects.js";
import { efficiency, snapshot, startScenario } from "./lib/scenario.js";
import { round, roundSummary, summarize } from "./lib/stats.js";

export const LATENCY_NAMESPACE = "bench-lat";

export async function runLatency(ctx: BenchContext): Promise<LatencyResult> {
  const n = ctx.sizes.latencyWorks;
  const ns = LATENCY_NAMESPACE;
  const sc = await startScenario(ctx, { name: "latency", hubNamespace: ns, spoke: ctx.plane.spokes[0]!, spokeNamespaces: [] });
  try {
    const pad = String(n - 1).length;
    const samples: number[] = [];
    const before = await snapshot(ctx, sc);
    for (let i = 0; i < n; i++) {
      const name = `lat-${String(i).padStart(pad, "0")}`;
      const w = workObject(ns, name, appBundle(`bench-lat-${String(i).padStart(pad, "0")}`));
      const t0 = now();
      await withRetry(() => sc.creator.create(WorkResource, w));
      await sc.tracker.waitApplied([`${ns}/${name}`], 120_000, `latency ${name}`);
      samples.push((sc.tracker.appliedAt.get(`${ns}/${name}`)! - t0) / 1000);
      if ((i + 1) % Math.max(1, Math.round(n / 5)) === 0) log(`latency: ${i + 1}/${n}, last ${samples.at(-1)!.toFixed(3)} s`);
    }
    // Let the last Works' later status reports (Deployment progress) land, so the server's counts and the
    // hub watch's count of updates after Applied cover the same writes.
    await sleep(ctx.sizes.settleSeconds * 1000);
    const after = await snapshot(ctx, sc);
    await sleep(1000);
    const s = roundSummary(summarize(samples), 4);
    log(`latency: p50 ${s.p50} s, p95 ${s.p95} s, p99 ${s.p99} s`);
    const eff = efficiency(before, after, n, APP_BUNDLE_KINDS.length);
    eff.writesAfterApplied = round([...sc.tracker.updatesAfterApplied.values()].reduce((a, b) => a + b, 0) / n, 2);
    log(`efficiency (5 manifests): ${eff.perWork.spokeApplies} SSA/Work, ${eff.perWork.nonApply} other requests/Work`);
    return { kind: "latency", works: n, manifests: APP_BUNDLE_KINDS, latencySeconds: { ...s, mean: round(s.mean, 4) }, efficiency: eff };
  } finally {
    await sc.stop();
  }
}
