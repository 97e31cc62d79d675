/**
 * Command line and environment of `bench/run.ts`: which benchmarks, at what
 * scale. Every count of the issue is multiplied by the scale (with a small
 * floor so a scaled run still measures something); the default is the full
 * size.
 *
 *   npx tsx bench/run.ts [--only ceiling,latency] [--scale 0.1] [--idle-seconds 60]
 *                        [--ceiling-seconds 20] [--no-report] [--keep-dir]
 *   BENCH_ONLY=ceiling,latency BENCH_SCALE=0.1 make bench
 */
import { parseArgs } from "node:util";

/** In run order: the ceiling right before the throughput it is compared with. */
export const BENCHMARKS = ["ceiling", "throughput", "pinned", "latency", "drift", "fleet", "footprint"] as const;
export type BenchName = (typeof BENCHMARKS)[number];

export interface Sizes {
  /** Client concurrencies of the ceiling loop. */
  ceilingConcurrency: number[];
  /** Seconds each ceiling concurrency runs (after a warm-up). */
  ceilingSeconds: number;
  ceilingWarmupSeconds: number;
  latencyWorks: number;
  throughputWorks: number;
  throughputManifests: number;
  /** Parallel creates of the "at once" Works. */
  createConcurrency: number;
  /** Agent --concurrency in the throughput run (= the ceiling concurrency it is compared with). */
  throughputAgentConcurrency: number;
  driftWorks: number;
  driftManifests: number;
  driftEdits: number;
  footprintWorks: number[];
  hubProfiles: number;
  fleetClusters: number;
  fleetWorksPerCluster: number;
  fleetManifests: number;
  /** Spoke API servers the fleet's agents share. */
  fleetSpokes: number;
  /** Idle window after convergence. */
  idleSeconds: number;
  /** Pause between convergence and the idle window, so trailing events settle. */
  settleSeconds: number;
}

export interface BenchOptions {
  only: BenchName[];
  scale: number;
  sizes: Sizes;
  /** Rewrite the tables in docs/benchmarks.md. */
  report: boolean;
  /** Keep the plane dir (logs, data) after the run; processes are stopped regardless. */
  keepDir: boolean;
  resultsDir: string;
}

export const FULL: Sizes = {
  ceilingConcurrency: [1, 4, 16],
  ceilingSeconds: 20,
  ceilingWarmupSeconds: 2,
  latencyWorks: 200,
  throughputWorks: 1000,
  throughputManifests: 10,
  createConcurrency: 16,
  throughputAgentConcurrency: 16,
  driftWorks: 20,
  driftManifests: 5,
  driftEdits: 100,
  footprintWorks: [1000, 10000],
  hubProfiles: 1000,
  fleetClusters: 100,
  fleetWorksPerCluster: 10,
  fleetManifests: 1,
  fleetSpokes: 2,
  idleSeconds: 60,
  settleSeconds: 10,
};

const scaled = (n: number, scale: number, min: number): number => Math.max(min, Math.round(n * scale));

export function sizesFor(scale: number, overrides: { idleSeconds?: number; ceilingSeconds?: number } = {}): Sizes {
  const s = FULL;
  const even = (n: number): number => n + (n % 2);
  return {
    ...s,
    ceilingSeconds: overrides.ceilingSeconds ?? scaled(s.ceilingSeconds, scale, 5),
    latencyWorks: scaled(s.latencyWorks, scale, 10),
    throughputWorks: scaled(s.throughputWorks, scale, 20),
    driftWorks: scaled(s.driftWorks, scale, 4),
    driftEdits: scaled(s.driftEdits, scale, 10),
    footprintWorks: s.footprintWorks.map((n) => scaled(n, scale, 20)),
    hubProfiles: scaled(s.hubProfiles, scale, 10),
    fleetClusters: even(scaled(s.fleetClusters, scale, 4)),
    idleSeconds: overrides.idleSeconds ?? scaled(s.idleSeconds, scale, 10),
    settleSeconds: scaled(s.settleSeconds, scale, 3),
  };
}

function positiveNumber(name: string, v: string | undefined): number | undefined {
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}: want a positive number, got ${JSON.stringify(v)}`);
  return n;
}

export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      only: { type: "string" },
      scale: { type: "string" },
      "idle-seconds": { type: "string" },
      "ceiling-seconds": { type: "string" },
      "no-report": { type: "boolean", default: false },
      "keep-dir": { type: "boolean", default: false },
      "results-dir": { type: "string" },
    },
    strict: true,
  });
  const onlyText = values.only ?? env.BENCH_ONLY ?? "";
  const only = onlyText.trim() === "" || onlyText.trim() === "all" ? [...BENCHMARKS] : onlyText.split(",").map((s) => s.trim()).filter(Boolean);
  for (const b of only) if (!(BENCHMARKS as readonly string[]).includes(b)) throw new Error(`unknown benchmark "${b}" (have: ${BENCHMARKS.join(", ")})`);
  const scale = positiveNumber("--scale / BENCH_SCALE", values.scale ?? env.BENCH_SCALE) ?? 1;
  const idleSeconds = positiveNumber("--idle-seconds / BENCH_IDLE_SECONDS", values["idle-seconds"] ?? env.BENCH_IDLE_SECONDS);
  const ceilingSeconds = positiveNumber("--ceiling-seconds / BENCH_CEILING_SECONDS", values["ceiling-seconds"] ?? env.BENCH_CEILING_SECONDS);
  return {
    only: BENCHMARKS.filter((b) => only.includes(b)),
    scale,
    sizes: sizesFor(scale, { ...(idleSeconds !== undefined ? { idleSeconds } : {}), ...(ceilingSeconds !== undefined ? { ceilingSeconds } : {}) }),
    report: !values["no-report"] && env.BENCH_NO_REPORT !== "1",
    keepDir: values["keep-dir"] || env.BENCH_KEEP_DIR === "1",
    resultsDir: values["results-dir"] ?? env.BENCH_RESULTS_DIR ?? new URL("../results/", import.meta.url).pathname,
  };
}
