/**
 * 3. Throughput (with 4. request efficiency and the idle window, and the
 * agent's footprint with these Works cached): N Works x M ConfigMaps created
 * at once (parallel creates; the clock starts at the first), until every
 * Work is Applied on the hub. Rate = manifests / s, compared with the
 * ceiling at the agent's concurrency.
 */
import type { BenchContext, CeilingResult, ThroughputResult } from "./lib/context.js";
import { startCpuAccount } from "./lib/cpu.js";
import { workObject } from "./lib/kube.js";
import { log } from "./lib/log.js";
import { configMap } from "./lib/objects.js";
import { createWorks, efficiency, idleWindow, snapshot, startScenario } from "./lib/scenario.js";
import { round } from "./lib/stats.js";

export const THROUGHPUT_NAMESPACE = "bench-tp";

export async function runThroughput(ctx: BenchContext): Promise<ThroughputResult> {
  const s = ctx.sizes;
  const n = s.throughputWorks;
  const m = s.throughputManifests;
  const ns = THROUGHPUT_NAMESPACE;
  const sc = await startScenario(ctx, { name: "throughput", hubNamespace: ns, spoke: ctx.plane.spokes[0]!, spokeNamespaces: [ns], concurrency: s.throughputAgentConcurrency });
  try {
    const pad = String(n - 1).length;
    const works = Array.from({ length: n }, (_, i) => {
      const name = `tp-${String(i).padStart(pad, "0")}`;
      return workObject(ns, name, Array.from({ length: m }, (_, j) => configMap(ns, `${name}-${j}`)));
    });
    const keys = works.map((w) => `${ns}/${w.metadata.name}`);
    const before = await snapshot(ctx, sc);
    log(`throughput: creating ${n} Works x ${m} ConfigMaps, ${s.createConcurrency} at a time`);
    const account = startCpuAccount({ ...ctx.plane.pids(), agent: sc.agent.proc.pid });
    const created = await createWorks(sc.creator, works, s.createConcurrency);
    log(`throughput: created in ${((created.lastDone - created.firstSent) / 1000).toFixed(1)} s; waiting for Applied`);
    await sc.tracker.waitApplied(keys, 30 * 60_000, "throughput");
    const lastApplied = Math.max(...keys.map((k) => sc.tracker.appliedAt.get(k)!));
    const cpu = account();
    const after = await snapshot(ctx, sc);
    const appliedSeconds = (lastApplied - created.firstSent) / 1000;
    const ceiling = ctx.results.ceiling?.status === "ok" ? (ctx.results.ceiling.data as CeilingResult) : undefined;
    const ceilingRun = ceiling?.runs.find((r) => r.concurrency === s.throughputAgentConcurrency);
    const manifestsPerSecond = (n * m) / appliedSeconds;
    const eff = efficiency(before, after, n, m);
    log(`throughput: ${n} Works Applied in ${appliedSeconds.toFixed(1)} s = ${manifestsPerSecond.toFixed(1)} manifests/s${ceilingRun ? ` (${(manifestsPerSecond / ceilingRun.ssaPerSecond).toFixed(2)} of the ceiling)` : ""}`);
    log(`efficiency: ${eff.perWork.spokeApplies} SSA/Work, ${eff.perWork.nonApply} other requests/Work (hub writes ${eff.perWork.hubWrites}, AppliedWork writes ${eff.perWork.spokeAppliedWorkWrites}, reads ${eff.perWork.reads}; controller-manager writes ${eff.perWork.controllerWrites})`);
    const { idle, footprint } = await idleWindow(ctx, sc);
    return {
      kind: "throughput",
      works: n,
      manifestsPerWork: m,
      createConcurrency: s.createConcurrency,
      agentConcurrency: s.throughputAgentConcurrency,
      createSeconds: round((created.lastDone - created.firstSent) / 1000, 2),
      appliedSeconds: round(appliedSeconds, 2),
      manifestsPerSecond: round(manifestsPerSecond, 1),
      worksPerSecond: round(n / appliedSeconds, 2),
      ceilingConcurrency: s.throughputAgentConcurrency,
      ceilingSsaPerSecond: ceilingRun?.ssaPerSecond ?? null,
      ratio: ceilingRun ? round(manifestsPerSecond / ceilingRun.ssaPerSecond, 3) : null,
      efficiency: eff,
      idle,
      agentFootprint: footprint,
      cpu,
    };
  } finally {
    await sc.stop();
  }
}
