/**
 * 5. Drift correction: an out-of-band edit (merge patch by another field
 * manager) of a ConfigMap value a Work sets, one at a time; time from sending
 * the edit to seeing the agent's revert in a watch on the spoke.
 */
import { WorkResource, type KubeObject, type Work } from "@work-api/api";
import { Informer } from "@work-api/runtime";
import type { BenchContext, DriftResult, Idle } from "./lib/context.js";
import { ConfigMaps, workObject } from "./lib/kube.js";
import { log, now, orTimeout, sleep } from "./lib/log.js";
import { CM_VALUE, configMap, ruledDeployment } from "./lib/objects.js";
import { createWorks, idleWindow, startScenario, type Scenario } from "./lib/scenario.js";
import { roundSummary, summarize } from "./lib/stats.js";

export const DRIFT_NAMESPACE = "bench-drift";
/** Flags of this scenario's agent beside the common ones (results: `agentArgs`). */
const DRIFT_AGENT_ARGS = ["--resync-period", "15s"];

/**
 * Issue 10: feedback and condition rules are refreshed by watch events, never polled, and drift
 * records are written once. A Deployment with rules is added beside the drifted Works; once its
 * feedback is reported, an idle window counts the writes (0 expected).
 */
async function idleWithRules(ctx: BenchContext, sc: Scenario, ns: string): Promise<{ idle: Idle; feedbackValues: number } | { notRun: string }> {
  const { manifest, manifestConfigs } = ruledDeployment(ns);
  const work = workObject(ns, "drift-rules", [manifest]);
  work.spec = { ...work.spec, manifestConfigs };
  await createWorks(sc.creator, [work], 1);
  let values = 0;
  try {
    values = await waitUntil(async () => {
      const w = await sc.creator.get<Work>(WorkResource, "drift-rules", { namespace: ns });
      const n = w.status?.manifestConditions?.[0]?.statusFeedback?.values?.length ?? 0;
      return n >= 2 ? n : undefined;
    }, 120_000);
  } catch {
    return { notRun: "the ruled Deployment reported no feedback within 120 s" };
  }
  const { idle } = await idleWindow(ctx, sc);
  log(`drift: idle with rules: hub writes ${idle.hub.writes}, spoke writes ${idle.spoke.writes} (${values} feedback values)`);
  return { idle, feedbackValues: values };
}

async function waitUntil<T>(fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const end = now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (now() > end) throw new Error("timed out");
    await sleep(250);
  }
}

export async function runDrift(ctx: BenchContext): Promise<DriftResult> {
  const s = ctx.sizes;
  const ns = DRIFT_NAMESPACE;
  const spoke = ctx.plane.spokes[0]!;
  // A short resync: the idle window with rules (idleWithRules) then holds reconciles of every Work, which must write nothing.
  const sc = await startScenario(ctx, { name: "drift", hubNamespace: ns, spoke, spokeNamespaces: [ns], extraArgs: DRIFT_AGENT_ARGS });
  const watcher = new Informer<KubeObject>(spoke.admin, ConfigMaps, { namespace: ns, name: "bench-drift" });
  try {
    const works = Array.from({ length: s.driftWorks }, (_, i) => workObject(ns, `drift-${i}`, Array.from({ length: s.driftManifests }, (_, j) => configMap(ns, `drift-${i}-${j}`))));
    await createWorks(sc.creator, works, s.createConcurrency);
    await sc.tracker.waitApplied(works.map((w) => `${ns}/${w.metadata.name}`), 10 * 60_000, "drift set-up");
    const names = works.flatMap((w, i) => Array.from({ length: s.driftManifests }, (_, j) => `drift-${i}-${j}`));

    let pending: { name: string; afterRv: bigint; resolve: (t: number) => void } | undefined;
    const seen = (o: KubeObject): void => {
      if (!pending || o.metadata?.name !== pending.name) return;
      const rv = BigInt(o.metadata?.resourceVersion ?? "0");
      if ((o.data as Record<string, string> | undefined)?.key === CM_VALUE && rv > pending.afterRv) {
        const p = pending;
        pending = undefined;
        p.resolve(now());
      }
    };
    watcher.addEventHandler({ onAdd: seen, onUpdate: (_o, x) => seen(x) });
    watcher.start();
    await watcher.waitForSync(AbortSignal.timeout(60_000));

    const samples: number[] = [];
    let timeouts = 0;
    for (let e = 0; e < s.driftEdits; e++) {
      const name = names[e % names.length]!;
      let resolveRevert!: (t: number) => void;
      const reverted = new Promise<number>((r) => (resolveRevert = r));
      const t0 = now();
      const edited = await spoke.admin.patch<KubeObject>(ConfigMaps, name, { data: { key: `drifted-${e}` } }, { namespace: ns, type: "merge", fieldManager: "bench-drift" });
      pending = { name, afterRv: BigInt(edited.metadata?.resourceVersion ?? "0"), resolve: resolveRevert };
      // The revert may already be in the cache if it raced the patch response.
      const cached = watcher.get(`${ns}/${name}`);
      if (cached) seen(cached);
      const t1 = await orTimeout(reverted, 30_000, () => -1);
      if (t1 < 0) {
        timeouts++;
        pending = undefined;
        log(`drift: edit ${e} of ${name} not reverted within 30 s`);
      } else samples.push((t1 - t0) / 1000);
      await sleep(50);
    }
    const sum = roundSummary(summarize(samples), 4);
    log(`drift: ${samples.length}/${s.driftEdits} reverted, p50 ${sum.p50} s, p99 ${sum.p99} s`);
    const rulesIdle = await idleWithRules(ctx, sc, ns);
    return { kind: "drift", works: s.driftWorks, manifestsPerWork: s.driftManifests, edits: s.driftEdits, reverted: samples.length, timeouts, revertSeconds: sum, rulesIdle, agentArgs: DRIFT_AGENT_ARGS };
  } finally {
    await watcher.stop();
    await sc.stop();
  }
}
