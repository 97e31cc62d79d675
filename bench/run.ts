/**
 * `make bench`: the Work API benchmarks, side by side in one run on local
 * control planes started here (hub + spoke1, + spoke2 for the fleet), in a
 * temp dir, stopped at the end even on failure. Writes
 * bench/results/<date>.json (a scaled or partial run adds a suffix) and
 * regenerates the tables of docs/benchmarks.md (bench/report.ts).
 *
 *   npx tsx bench/run.ts [--only ceiling,throughput,pinned,latency,drift,fleet,footprint]
 *                        [--scale 0.1] [--idle-seconds 60] [--ceiling-seconds 20]
 *                        [--no-report] [--keep-dir] [--results-dir DIR]
 *   env: BENCH_ONLY, BENCH_SCALE, BENCH_IDLE_SECONDS, BENCH_CEILING_SECONDS, BENCH_NO_REPORT=1, BENCH_KEEP_DIR=1
 *
 * Uses the compiled packages and binaries (`make build` first).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCeiling } from "./ceiling.js";
import { runDrift } from "./drift.js";
import { runFleet } from "./fleet.js";
import { runFootprint } from "./footprint.js";
import { runLatency } from "./latency.js";
import { agentHubRules, agentSettings } from "./lib/agents.js";
import type { BenchContext, BenchData, BenchOutcome } from "./lib/context.js";
import { log, NotRunError, sleep } from "./lib/log.js";
import { cpuBusy, load, machineInfo, versions } from "./lib/machine.js";
import { BENCHMARKS, FULL, parseOptions, type BenchName } from "./lib/options.js";
import { extraPlanes, planeProcesses, startBenchPlane, type BenchPlane } from "./lib/plane.js";
import { pidAlive, processesMentioning, spawnedPids, stopAllManaged } from "./lib/procs.js";
import { runPinned } from "./pinned.js";
import { runThroughput } from "./throughput.js";
import { writeReport, type RunResult } from "./report.js";

const RUNNERS: Record<BenchName, (ctx: BenchContext) => Promise<BenchData>> = {
  ceiling: runCeiling,
  throughput: runThroughput,
  pinned: runPinned,
  latency: runLatency,
  drift: runDrift,
  fleet: runFleet,
  footprint: runFootprint,
};

function resultFileName(date: string, mode: RunResult["mode"], scale: number, only: readonly BenchName[]): string {
  if (mode === "full") return `${date}.json`;
  const parts = [date];
  if (scale !== 1) parts.push(`scale${scale}`);
  if (only.length !== BENCHMARKS.length) parts.push(only.join("+"));
  return `${parts.join("-")}.json`;
}

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2));
  const startedAt = new Date();
  const mode: RunResult["mode"] = opts.scale === 1 && opts.only.length === BENCHMARKS.length ? "full" : opts.scale === 1 ? "partial" : "scaled";
  const loadStart = load();
  const busyStart = await cpuBusy(3000);
  log(`mode ${mode}, scale ${opts.scale}, benchmarks ${opts.only.join(", ")}; load ${loadStart.join(" ")}, CPU busy ${(busyStart * 100).toFixed(0)} % before start`);
  const dir = mkdtempSync(join(tmpdir(), "work-bench-"));
  const logDir = join(dir, "logs");
  mkdirSync(logDir, { recursive: true });
  const outcomes = Object.fromEntries(BENCHMARKS.map((b) => [b, { status: "skipped" }])) as Record<BenchName, BenchOutcome>;
  let plane: BenchPlane | undefined;
  let interrupted = false;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log(`${sig}: stopping agents, hub and plane`);
    void (async (): Promise<void> => {
      await stopAllManaged(5_000);
      await Promise.all([...extraPlanes].map((stop) => stop()));
      await plane?.stop();
      log(`stopped; logs and data kept in ${dir}`);
      process.exit(130);
    })();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  // The fleet starts fresh spokes of its own (fleet.ts), so the main plane is hub + spoke1.
  const needSpokes = 1;
  let planeStartSeconds = 0;
  try {
    const t0 = performance.now();
    plane = await startBenchPlane(join(dir, "plane"), needSpokes);
    planeStartSeconds = (performance.now() - t0) / 1000;
    const ctx: BenchContext = { opts, sizes: opts.sizes, plane, dir, logDir, results: outcomes };
    let died: string | undefined;
    void plane.plane.died.then((m) => (died = m));
    for (const name of opts.only) {
      if (interrupted) break;
      if (died) {
        outcomes[name] = { status: "not run", reason: `the local plane died: ${died}` };
        continue;
      }
      log(`=== ${name}`);
      const t = performance.now();
      try {
        const data = await RUNNERS[name](ctx);
        outcomes[name] = { status: "ok", seconds: Math.round((performance.now() - t) / 100) / 10, data };
      } catch (err) {
        const e = err as Error;
        if (e instanceof NotRunError) {
          outcomes[name] = { status: "not run", reason: e.message };
          log(`${name}: not run: ${e.message}`);
        } else {
          outcomes[name] = { status: "failed", seconds: Math.round((performance.now() - t) / 100) / 10, error: `${e.message}`.slice(0, 2000) };
          log(`${name}: FAILED: ${e.stack ?? e.message}`);
        }
      } finally {
        await stopAllManaged(10_000);
      }
    }
  } catch (err) {
    log(`run failed: ${(err as Error).stack ?? String(err)}`);
    for (const name of opts.only) if (outcomes[name].status === "skipped") outcomes[name] = { status: "not run", reason: `run failed before: ${(err as Error).message.slice(0, 500)}` };
  } finally {
    await stopAllManaged(5_000);
    await Promise.all([...extraPlanes].map((stop) => stop()));
    await plane?.stop();
  }

  // No process of this run may survive it (a process just stopped gets a few seconds to be reaped).
  const ours = [...spawnedPids, ...Object.values(planeProcesses)];
  for (let i = 0; i < 20 && (ours.some(pidAlive) || processesMentioning(dir).length > 0); i++) await sleep(500);
  const leaked = [
    ...ours.filter(pidAlive).map((pid) => ({ pid, cmd: `spawned by this run: ${Object.entries(planeProcesses).find(([, p]) => p === pid)?.[0] ?? "agent or hub"}` })),
    ...processesMentioning(dir),
  ];
  const failed = Object.values(outcomes).some((o) => o.status === "failed");
  if (leaked.length > 0) log(`LEAKED processes: ${JSON.stringify(leaked)}`);
  else log(`no leaked processes (${spawnedPids.length} agents/hubs and ${Object.keys(planeProcesses).length} plane processes checked)`);
  const keep = opts.keepDir || failed;
  if (!keep) rmSync(dir, { recursive: true, force: true });
  else log(`kept ${dir} (logs in ${logDir})`);

  const finishedAt = new Date();
  const rules = await agentHubRules();
  const result: RunResult = {
    schema: 1,
    date: startedAt.toISOString().slice(0, 10),
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationSeconds: Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000),
    mode,
    scale: opts.scale,
    selected: opts.only,
    command: `npx tsx bench/run.ts ${process.argv.slice(2).join(" ")}`.trim(),
    machine: machineInfo(),
    versions: versions(),
    load: { start: loadStart, end: load(), cpuBusyBeforeStart: Math.round(busyStart * 100) / 100 },
    settings: {
      sizes: opts.sizes,
      fullSizes: FULL,
      planeStartSeconds: Math.round(planeStartSeconds * 10) / 10,
      plane: `hub + ${needSpokes} spoke (the fleet starts ${opts.sizes.fleetSpokes} fresh spokes of its own); etcd --unsafe-no-fsync (localplane default); kube-apiserver defaults (APF on, max-requests-inflight 400/200)`,
      agent: { ...agentSettings({ concurrency: opts.sizes.throughputAgentConcurrency }), throughputConcurrency: opts.sizes.throughputAgentConcurrency, latencyDriftConcurrency: 8, footprintConcurrency: opts.sizes.throughputAgentConcurrency, fleetConcurrency: 8 },
      agentHubRole: rules.source,
      spokeCredentials: "spoke admin kubeconfig (system:masters) for agents and the ceiling loop alike",
      hub: "work-hub, --concurrency 4, leader election on (defaults otherwise)",
    },
    benchmarks: outcomes,
    cleanup: { leaked, dirKept: keep ? dir : null },
  };
  mkdirSync(opts.resultsDir, { recursive: true });
  const file = join(opts.resultsDir, resultFileName(result.date, mode, opts.scale, opts.only));
  writeFileSync(file, JSON.stringify(result, null, 2) + "\n");
  log(`wrote ${file}`);
  if (opts.report) log(`wrote ${writeReport(result, file)}`);
  return leaked.length > 0 || failed || interrupted ? 1 : 0;
}

process.exitCode = await main();
// Anything still holding the event loop (a socket being closed) must not keep a finished run alive.
setTimeout(() => process.exit(), 5_000).unref();
