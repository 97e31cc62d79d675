/**
 * 3. Throughput (with 4. request efficiency and the idle window, and the
 * agent's footprint with these Works cached): N Works x M ConfigMaps created
 * at once (parallel creates; the clock starts at the first), until every
 * Work is Applied on the hub. Rate = manifests / s, compared with the
 * ceiling at the agent's concurrency.
 */
import type { BenchContext, CeilingResult, Efficiency, ThroughputResult } from "./lib/context.js";
import { startCpuAccount, type CpuAccount } from "./lib/cpu.js";
import { workObject } from "./lib/kube.js";
import { log } from "./lib/log.js";
import { configMap } from "./lib/objects.js";
import { createWorks, efficiency, idleWindow, snapshot, startScenario, type Scenario } from "./lib/scenario.js";
import { round } from "./lib/stats.js";

export const THROUGHPUT_NAMESPACE = "bench-tp";

export interface ThroughputCore {
  createSeconds: number;
  appliedSeconds: number;
  manifestsPerSecond: number;
  worksPerSecond: number;
  efficiency: Efficiency;
  cpu: CpuAccount;
}

/** Creates n Works x m ConfigMaps in the scenario's namespace at once and waits until all are Applied. */
export async function throughputCore(ctx: BenchContext, sc: Scenario, prefix: string, n: number, m: number): Promise<ThroughputCore> {
  const ns = sc.hubNamespace;
  const pad = String(n - 1).length;
  const works = Array.from({ length: n }, (_, i) => {
    const name = `${prefix}-${String(i).padStart(pad, "0")}`;
    return workObject(ns, name, Array.from({ length: m }, (_, j) => configMap(ns, `${name}-${j}`)));
  });
  const keys = works.map((w) => `${ns}/${w.metadata.name}`);
  const before = await snapshot(ctx, sc);
  log(`${prefix}: creating ${n} Works x ${m} ConfigMaps, ${ctx.sizes.createConcurrency} at a time`);
  const account = startCpuAccount({ ...ctx.plane.pids(), agent: sc.agent.proc.pid });
  const created = await createWorks(sc.creator, works, ctx.sizes.createConcurrency);
  log(`${prefix}: created in ${((created.lastDone - created.firstSent) / 1000).toFixed(1)} s; waiting for Applied`);
  await sc.tracker.waitApplied(keys, 30 * 60_000, prefix);
  const lastApplied = Math.max(...keys.map((k) => sc.tracker.appliedAt.get(k)!));
  const cpu = account();
  const after = await snapshot(ctx, sc);
  const appliedSeconds = (lastApplied - created.firstSent) / 1000;
  const eff = efficiency(before, after, n, m);
  return {
    createSeconds: round((created.lastDone - created.firstSent) / 1000, 2),
    appliedSeconds: round(appliedSeconds, 2),
    manifestsPerSecond: round((n * m) / appliedSeconds, 1),
    worksPerSecond: round(n / appliedSeconds, 2),
    efficiency: eff,
    cpu,
  };
}

export async function runThroughput(ctx: BenchContext): Promise<ThroughputResult> {
  const s = ctx.sizes;
  const n = s.throughputWorks;
  const m = s.throughputManifests;
  const ns = THROUGHPUT_NAMESPACE;
  const sc = await startScenario(ctx, { name: "throughput", hubNamespace: ns, spoke: ctx.plane.spokes[0]!, spokeNamespaces: [ns], concurrency: s.throughputAgentConcurrency });
  try {
    const core = await throughputCore(ctx, sc, "tp", n, m);
    const ceiling = ctx.results.ceiling?.status === "ok" ? (ctx.results.ceiling.data as CeilingResult) : undefined;
    const ceilingRun = ceiling?.runs.find((r) => r.concurrency === s.throughputAgentConcurrency);
    const eff = core.efficiency;
    log(`throughput: ${n} Works Applied in ${core.appliedSeconds} s = ${core.manifestsPerSecond} manifests/s${ceilingRun ? ` (${(core.manifestsPerSecond / ceilingRun.ssaPerSecond).toFixed(2)} of the ceiling)` : ""}`);
    log(`efficiency: ${eff.perWork.spokeApplies} SSA/Work, ${eff.perWork.nonApply} other requests/Work (hub writes ${eff.perWork.hubWrites}, AppliedWork writes ${eff.perWork.spokeAppliedWorkWrites}, agent reads ${eff.perWork.reads}; controller-manager writes ${eff.perWork.controllerWrites})`);
    const { idle, footprint } = await idleWindow(ctx, sc);
    return {
      kind: "throughput",
      works: n,
      manifestsPerWork: m,
      createConcurrency: s.createConcurrency,
      agentConcurrency: s.throughputAgentConcurrency,
      ...core,
      ceilingConcurrency: s.throughputAgentConcurrency,
      ceilingSsaPerSecond: ceilingRun?.ssaPerSecond ?? null,
      ratio: ceilingRun ? round(core.manifestsPerSecond / ceilingRun.ssaPerSecond, 3) : null,
      idle,
      agentFootprint: footprint,
    };
  } finally {
    await sc.stop();
  }
}
