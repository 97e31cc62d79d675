/**
 * 3b. Ceiling and throughput again with the spoke's processes (etcd,
 * kube-apiserver, kube-controller-manager) on a core of their own and
 * everything else (hub plane, agent, this runner) on the other core(s): the
 * spoke API server has the same CPU in both measurements, so the ratio shows
 * how close the agent drives it to its limit when the hub side does not
 * compete with it. Not in the issue; it explains the throughput ratio.
 */
import { ceilingLoop } from "./ceiling.js";
import type { BenchContext, PinnedResult } from "./lib/context.js";
import { log, NotRunError } from "./lib/log.js";
import { allCpus, canPin, pin } from "./lib/pin.js";
import { startScenario } from "./lib/scenario.js";
import { round } from "./lib/stats.js";
import { throughputCore } from "./throughput.js";

export async function runPinned(ctx: BenchContext): Promise<PinnedResult> {
  const why = canPin();
  if (why) throw new NotRunError(why);
  const s = ctx.sizes;
  const spoke = ctx.plane.spokes[0]!;
  const spokeCpus = "1";
  const otherCpus = allCpus() === "0-1" ? "0" : `0,2-${allCpus().split("-")[1]}`;
  const spokePids = Object.values(spoke.pids);
  const otherPids = [process.pid, ...ctx.plane.all().filter((c) => c !== spoke).flatMap((c) => Object.values(c.pids))];
  for (const pid of spokePids) pin(pid, spokeCpus);
  // Children (the agent) inherit this process's affinity.
  for (const pid of otherPids) pin(pid, otherCpus);
  log(`pinned: ${spoke.name} on CPU ${spokeCpus}; hub, agent and runner on CPU ${otherCpus}`);
  try {
    const c = s.throughputAgentConcurrency;
    const ceiling = await ceilingLoop(ctx, spoke, c, `pinned-c${c}`, s.ceilingSeconds);
    const ns = "bench-tp-pinned";
    const sc = await startScenario(ctx, { name: "pinned", hubNamespace: ns, spoke, spokeNamespaces: [ns], concurrency: c });
    try {
      const core = await throughputCore(ctx, sc, "tpp", s.throughputWorks, s.throughputManifests);
      const ratio = round(core.manifestsPerSecond / ceiling.ssaPerSecond, 3);
      log(`pinned: ${core.manifestsPerSecond} manifests/s vs ceiling ${ceiling.ssaPerSecond} SSA/s = ${ratio}`);
      return { kind: "pinned", spokeCpus, otherCpus, ceiling, works: s.throughputWorks, manifestsPerWork: s.throughputManifests, agentConcurrency: c, ...core, ratio };
    } finally {
      await sc.stop();
    }
  } finally {
    for (const pid of [...spokePids, ...otherPids]) {
      try {
        pin(pid, allCpus());
      } catch {
        // exited
      }
    }
  }
}
