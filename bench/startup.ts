/**
 * Start-up time of the local control plane (hub + spoke1 + spoke2):
 * cold (fresh dir: new etcd data, keys, serving certs, CRDs) and warm (the
 * same dir again). Writes the section "Local control plane start-up" of
 * docs/benchmarks.md (between markers, other sections untouched).
 *
 *   npx tsx bench/startup.ts [--runs N] [--no-write]
 *
 * Uses the compiled library (run `npx tsc -b` / `make build` first).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, tmpdir, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { findBinaries, startPlane } from "@work-api/localplane";

const CLUSTERS = [
  { name: "hub", role: "hub" },
  { name: "spoke1", role: "spoke" },
  { name: "spoke2", role: "spoke" },
] as const;

const BEGIN = "<!-- localplane-startup:begin -->";
const END = "<!-- localplane-startup:end -->";

interface Sample {
  kind: "cold" | "warm";
  /** Wall time of startPlane until every cluster is ready. */
  seconds: number;
  perCluster: Record<string, number>;
  stopSeconds: number;
}

async function once(dir: string, kind: Sample["kind"]): Promise<Sample> {
  const t0 = performance.now();
  const plane = await startPlane({ dir, clusters: CLUSTERS, clean: kind === "cold" });
  const seconds = (performance.now() - t0) / 1000;
  const perCluster = Object.fromEntries([...plane.clusters.values()].map((c) => [c.name, c.startSeconds]));
  const t1 = performance.now();
  await plane.stop();
  return { kind, seconds, perCluster, stopSeconds: (performance.now() - t1) / 1000 };
}

function stats(xs: number[]): { median: number; min: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
  return { median, min: s[0] ?? 0, max: s[s.length - 1] ?? 0 };
}

const f1 = (n: number): string => n.toFixed(1);

function section(samples: Sample[], runs: number, load: number): string {
  const bins = findBinaries();
  const cpu = cpus();
  const row = (kind: Sample["kind"]): string => {
    const xs = samples.filter((s) => s.kind === kind);
    const all = stats(xs.map((s) => s.seconds));
    const stop = stats(xs.map((s) => s.stopSeconds));
    const slowest = stats(xs.map((s) => Math.max(...Object.values(s.perCluster))));
    return `| ${kind} | ${f1(all.median)} | ${f1(all.min)} – ${f1(all.max)} | ${f1(slowest.median)} | ${f1(stop.median)} |`;
  };
  return [
    BEGIN,
    "## Local control plane start-up",
    "",
    "Time for `startPlane()` (packages/localplane) to bring up hub + spoke1 + spoke2",
    "in parallel until every cluster is ready: etcd healthy, kube-apiserver `/readyz`",
    "ok over verified TLS, CRDs of the role Established, spoke ClusterProperties",
    "written, kube-controller-manager running (the `default` ServiceAccount",
    "exists), and on each spoke kube-scheduler and kwok running with 3 fake nodes",
    "Ready. *Cold* = fresh dir (new etcd data, RSA keys, serving certificates);",
    "*warm* = the same dir again (data, keys and certificates reused). Stop =",
    "SIGTERM to every process, in reverse start order, until all have exited.",
    "",
    `Measured ${new Date().toISOString().slice(0, 10)} with \`npx tsx bench/startup.ts --runs ${runs}\`:`,
    `${cpu.length} × ${cpu[0]?.model.trim() ?? "unknown CPU"}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM,`,
    `Linux ${release()}, Node ${process.version}, Kubernetes ${bins.versions.kubernetes ?? "?"}, etcd ${bins.versions.etcd ?? "?"}, kwok ${bins.versions.kwok ?? "?"}`,
    `(etcd with \`--unsafe-no-fsync\`, the library default); 1-minute load average at the start: ${load.toFixed(1)}`,
    "(the 2 cores are shared with anything else running, so compare medians).",
    "",
    "| start | median s | range s | slowest cluster s (median) | stop s (median) |",
    "| --- | --- | --- | --- | --- |",
    row("cold"),
    row("warm"),
    "",
    `Target: warm start under 10 s on this machine: ${stats(samples.filter((s) => s.kind === "warm").map((s) => s.seconds)).median < 10 ? "**met**" : "**missed**"}.`,
    "",
    END,
  ].join("\n");
}

function writeSection(text: string): string {
  const path = fileURLToPath(new URL("../docs/benchmarks.md", import.meta.url));
  const current = existsSync(path) ? readFileSync(path, "utf8") : "# Benchmarks\n";
  const b = current.indexOf(BEGIN);
  const e = current.indexOf(END);
  mkdirSync(dirname(path), { recursive: true });
  const next = b >= 0 && e > b ? current.slice(0, b) + text + current.slice(e + END.length) : current.trimEnd() + "\n\n" + text + "\n";
  writeFileSync(path, next);
  return path;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: "string", default: "3" }, "no-write": { type: "boolean", default: false } } });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs: want a positive integer, got ${values.runs}`);
  const samples: Sample[] = [];
  const load = loadavg()[0] ?? 0;
  for (let i = 0; i < runs; i++) {
    const dir = mkdtempSync(join(tmpdir(), "localplane-bench-"));
    try {
      for (const kind of ["cold", "warm"] as const) {
        const s = await once(dir, kind);
        samples.push(s);
        process.stderr.write(`run ${i + 1}/${runs} ${kind}: ${f1(s.seconds)} s (stop ${f1(s.stopSeconds)} s) ${JSON.stringify(s.perCluster)}\n`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const text = section(samples, runs, load);
  process.stdout.write(JSON.stringify({ samples }, null, 2) + "\n");
  if (!values["no-write"]) process.stderr.write(`wrote ${writeSection(text)}\n`);
  else process.stdout.write(text + "\n");
}

await main();
