/**
 * 6. Footprint. Agent: one agent, small Works (1 ConfigMap each, to keep
 * etcd sane), first the smaller count then grown to the larger one; after
 * each convergence, RSS and CPU seconds over the idle window. Hub: work-hub
 * with N ClusterProfiles registered (namespace, ServiceAccount, Role,
 * RoleBinding and minted kubeconfig Secret each), then RSS and CPU idle.
 */
import { AGENT_KUBECONFIG_KEY, AGENT_KUBECONFIG_SECRET, CLUSTER_MANAGER_LABEL, CLUSTERSET_LABEL, ClusterProfileResource, type ClusterProfile, type KubeObject } from "@work-api/api";
import { Informer } from "@work-api/runtime";
import type { BenchContext, FootprintAgent, FootprintHub, FootprintResult } from "./lib/context.js";
import { hubUnavailable, startHubProcess } from "./lib/hubproc.js";
import { Secrets, createIfMissing, ensureNamespace, pool, withRetry, workObject } from "./lib/kube.js";
import { log, NotRunError, orTimeout, sleep } from "./lib/log.js";
import { configMap } from "./lib/objects.js";
import { createWorks, efficiency, idleWindow, snapshot, startScenario } from "./lib/scenario.js";
import { round } from "./lib/stats.js";

export const FOOTPRINT_NAMESPACE = "bench-fp";
export const FOOTPRINT_INVENTORY = "bench-fp-inventory";

async function agentFootprint(ctx: BenchContext): Promise<FootprintAgent[]> {
  const ns = FOOTPRINT_NAMESPACE;
  const counts = [...ctx.sizes.footprintWorks].sort((a, b) => a - b);
  const sc = await startScenario(ctx, { name: "footprint", hubNamespace: ns, spoke: ctx.plane.spokes[0]!, spokeNamespaces: [ns], concurrency: ctx.sizes.throughputAgentConcurrency });
  const out: FootprintAgent[] = [];
  try {
    const pad = String(Math.max(...counts) - 1).length;
    let have = 0;
    for (const target of counts) {
      const works = Array.from({ length: target - have }, (_, k) => {
        const name = `fp-${String(have + k).padStart(pad, "0")}`;
        return workObject(ns, name, [configMap(ns, name)]);
      });
      log(`footprint: creating ${works.length} Works (to ${target})`);
      const before = await snapshot(ctx, sc);
      const created = await createWorks(sc.creator, works, ctx.sizes.createConcurrency);
      await sc.tracker.waitApplied(target, 60 * 60_000, `footprint ${target}`);
      const eff = efficiency(before, await snapshot(ctx, sc), works.length, 1);
      const converge = (Math.max(...sc.tracker.appliedAt.values()) - created.firstSent) / 1000;
      have = target;
      log(`footprint: ${target} Works Applied (${converge.toFixed(1)} s for the last ${works.length})`);
      const { footprint } = await idleWindow(ctx, sc);
      out.push({ works: target, manifestsPerWork: 1, convergeSeconds: round(converge, 1), ...footprint, efficiency: eff });
    }
  } finally {
    await sc.stop();
  }
  return out;
}

export function clusterProfile(name: string, namespace: string, labels: Record<string, string> = {}): ClusterProfile {
  return {
    apiVersion: "multicluster.x-k8s.io/v1alpha1",
    kind: "ClusterProfile",
    metadata: { name, namespace, labels: { [CLUSTER_MANAGER_LABEL]: "work-api", ...labels } },
    spec: { clusterManager: { name: "work-api" } },
  };
}

/** Waits until each of `names` has a minted kubeconfig Secret in its hub namespace (watching Secrets the hub labels). */
export async function waitRegistered(ctx: BenchContext, names: readonly string[], timeoutMs: number): Promise<void> {
  const left = new Set(names);
  const secrets = new Informer<KubeObject & { data?: Record<string, string> }>(ctx.plane.hub.admin, Secrets, { labelSelector: "work.multicluster.x-k8s.io/cluster", name: "bench-secrets" });
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  const seen = (s: KubeObject & { data?: Record<string, string> }): void => {
    if (s.metadata?.name === AGENT_KUBECONFIG_SECRET && s.data?.[AGENT_KUBECONFIG_KEY] && left.delete(s.metadata.namespace ?? "") && left.size === 0) done();
  };
  secrets.addEventHandler({ onAdd: seen, onUpdate: (_o, x) => seen(x) });
  secrets.start();
  try {
    if (left.size === 0) return;
    await orTimeout(all, timeoutMs, () => {
      throw new Error(`${left.size} of ${names.length} clusters have no minted kubeconfig after ${Math.round(timeoutMs / 1000)} s`);
    });
  } finally {
    await secrets.stop();
  }
}

async function hubFootprint(ctx: BenchContext): Promise<FootprintHub> {
  const why = hubUnavailable();
  if (why) throw new NotRunError(why);
  const inv = FOOTPRINT_INVENTORY;
  const hub = ctx.plane.hub;
  await ensureNamespace(hub.admin, inv, { [CLUSTERSET_LABEL]: "bench-fp" });
  const proc = await startHubProcess({ kubeconfig: hub.kubeconfig, inventoryNamespace: inv, logDir: ctx.logDir, name: "footprint" });
  try {
    const n = ctx.sizes.hubProfiles;
    const pad = String(n - 1).length;
    const names = Array.from({ length: n }, (_, i) => `fp-c${String(i).padStart(pad, "0")}`);
    const t0 = performance.now();
    await pool(names, ctx.sizes.createConcurrency, (name) => withRetry(() => createIfMissing(hub.admin, ClusterProfileResource, clusterProfile(name, inv))));
    log(`footprint: ${n} ClusterProfiles created; waiting for registration`);
    await waitRegistered(ctx, names, 30 * 60_000);
    const registerSeconds = (performance.now() - t0) / 1000;
    log(`footprint: hub registered ${n} clusters in ${registerSeconds.toFixed(1)} s`);
    await sleep(ctx.sizes.settleSeconds * 1000);
    const p0 = proc.sample();
    await sleep(ctx.sizes.idleSeconds * 1000);
    const p1 = proc.sample();
    const r: FootprintHub = {
      profiles: n,
      registerSeconds: round(registerSeconds, 1),
      rssMiB: round(p1.rssMiB, 1),
      hwmMiB: round(p1.hwmMiB, 1),
      cpuSeconds: round(p1.cpuSeconds - p0.cpuSeconds, 2),
      idleSeconds: round((p1.at - p0.at) / 1000, 1),
    };
    log(`footprint: hub RSS ${r.rssMiB} MiB (peak ${r.hwmMiB}), CPU ${r.cpuSeconds} s in ${r.idleSeconds} s idle`);
    return r;
  } finally {
    await proc.stop();
  }
}

export async function runFootprint(ctx: BenchContext): Promise<FootprintResult> {
  const agent = await agentFootprint(ctx);
  let hub: FootprintResult["hub"];
  try {
    hub = await hubFootprint(ctx);
  } catch (err) {
    if (!(err instanceof NotRunError)) throw err;
    log(`footprint: hub part not run: ${err.message}`);
    hub = { notRun: err.message };
  }
  return { kind: "footprint", agent, hub };
}
