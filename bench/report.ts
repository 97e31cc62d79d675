/**
 * Renders a results file of bench/run.ts as the "Work API benchmarks"
 * section of docs/benchmarks.md (between markers; the other sections, e.g.
 * the start-up section of bench/startup.ts, are kept). Every figure is shown
 * next to its target and, where one applies, the ratio.
 *
 *   npx tsx bench/report.ts [bench/results/<file>.json]   (default: the newest)
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type {
  BenchOutcome,
  CeilingResult,
  DriftResult,
  Efficiency,
  FleetResult,
  FootprintResult,
  Idle,
  LatencyResult,
  ThroughputResult,
} from "./lib/context.js";
import type { CpuAccount } from "./lib/cpu.js";
import type { Machine, Versions } from "./lib/machine.js";
import type { BenchName, Sizes } from "./lib/options.js";

export interface RunResult {
  schema: 1;
  date: string;
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  /** full: every benchmark at scale 1; scaled: counts multiplied by `scale`; partial: some benchmarks at scale 1. */
  mode: "full" | "scaled" | "partial";
  scale: number;
  selected: BenchName[];
  command: string;
  machine: Machine;
  versions: Versions;
  load: { start: number[]; end: number[]; cpuBusyBeforeStart: number };
  settings: { sizes: Sizes; fullSizes: Sizes; [k: string]: unknown };
  benchmarks: Record<BenchName, BenchOutcome>;
  cleanup: { leaked: { pid: number; cmd: string }[]; dirKept: string | null };
}

/** The targets of the issue; null where it sets none. */
export const TARGETS = {
  throughputRatio: 0.8,
  ssaPerManifest: 1,
  /**
   * "A bounded constant" of requests per Work besides its SSAs: the agent's
   * four writes (finalizer and status of the Work on the hub; create and
   * status of the AppliedWork on the spoke) and one read.
   */
  nonApplyPerWork: 5,
  idleWrites: 0,
} as const;

const BEGIN = "<!-- work-bench:begin -->";
const END = "<!-- work-bench:end -->";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const DOC = join(REPO, "docs/benchmarks.md");

const fmt = (x: number | null | undefined, digits = 1): string => (x === null || x === undefined || !Number.isFinite(x) ? "–" : x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }));
const int = (x: number | null | undefined): string => fmt(x, 0);
const ms = (s: number): string => (s < 1 ? `${fmt(s * 1000, s < 0.1 ? 1 : 0)} ms` : `${fmt(s, 2)} s`);
const yes = (ok: boolean): string => (ok ? "**met**" : "**missed**");

function ok<T>(o: BenchOutcome | undefined): T | undefined {
  return o?.status === "ok" ? (o.data as T) : undefined;
}

function statusText(o: BenchOutcome | undefined): string {
  if (!o || o.status === "skipped") return "not selected in this run";
  if (o.status === "not run") return `not run: ${o.reason}`;
  if (o.status === "failed") return `failed: ${o.error.split("\n")[0]}`;
  return "";
}

type Row = [string, string, string, string, string, string];

function cpuLine(c: CpuAccount | undefined): string {
  if (!c) return "";
  const groups: Record<string, number> = {};
  for (const [k, v] of Object.entries(c.byProcess)) {
    const key = k === "bench" ? "benchmark runner" : k === "agent" ? "agent" : k;
    groups[key] = (groups[key] ?? 0) + v;
  }
  const parts = Object.entries(groups)
    .filter(([, v]) => v >= 0.05 * c.wallSeconds)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${fmt(v, 1)}`);
  return `${fmt(c.machineBusy, 1)} of ${fmt(c.cores * c.wallSeconds, 1)} core-seconds busy in ${fmt(c.wallSeconds, 1)} s: ${parts.join(", ")}; everything else on the machine ${fmt(c.others, 1)}`;
}

/** Idle reads the agent's periodic work explains: 2 spoke reads per heartbeat (every lease-duration/4 = 10 s), a hub Secret read per 5 min. */
function idleReadBound(seconds: number): { hub: number; spoke: number } {
  return { hub: Math.ceil(seconds / 300), spoke: 2 * Math.ceil(seconds / 10) + 2 };
}

function agentReads(i: Idle, cluster: string): number {
  const v = i.agentClient[cluster] ?? {};
  return (v.GET ?? 0) + (v.LIST ?? 0);
}

function agentWrites(i: Idle, cluster: string): number {
  const v = i.agentClient[cluster] ?? {};
  return (v.POST ?? 0) + (v.PUT ?? 0) + (v.PATCH ?? 0) + (v.DELETE ?? 0);
}

function efficiencyRows(e: Efficiency, label: string): Row[] {
  const p = e.perWork;
  const ssaOk = e.ssaPerManifest <= TARGETS.ssaPerManifest + 0.005;
  const constOk = p.nonApply <= TARGETS.nonApplyPerWork;
  return [
    [
      "4",
      `SSA per manifest to reach Applied (${label})`,
      `${fmt(e.ssaPerManifest, 3)} (${fmt(p.spokeApplies, 2)} per Work of ${e.manifestsPerWork})`,
      `${TARGETS.ssaPerManifest}`,
      fmt(e.ssaPerManifest / TARGETS.ssaPerManifest, 2),
      yes(ssaOk),
    ],
    [
      "4",
      `Other requests per Work to reach Applied (${label})`,
      `${fmt(p.nonApply, 2)}: hub writes ${fmt(p.hubWrites, 2)}, AppliedWork writes ${fmt(p.spokeAppliedWorkWrites, 2)}, reads ${fmt(p.reads, 2)} (controller-manager writes ${fmt(p.controllerWrites, 2)} not counted)`,
      `≤ ${TARGETS.nonApplyPerWork} (constant)`,
      fmt(p.nonApply / TARGETS.nonApplyPerWork, 2),
      yes(constOk),
    ],
  ];
}

function idleRows(i: Idle): Row[] {
  const bound = idleReadBound(i.seconds);
  const hubAgentReads = agentReads(i, "hub");
  const spokeAgentReads = agentReads(i, "spoke");
  const readsOk = hubAgentReads <= bound.hub && spokeAgentReads <= bound.spoke;
  const leaseAgent = agentWrites(i, "hub-lease");
  return [
    [
      "4",
      `Writes in ${int(i.seconds)} s idle after convergence, hub / spoke (leases excluded)`,
      `${int(i.hub.writes)} / ${int(i.spoke.writes)} (agent's own count: ${int(agentWrites(i, "hub"))} / ${int(agentWrites(i, "spoke"))}; ${int(i.agentReconciles)} reconciles)`,
      "0 / 0",
      "",
      yes(i.hub.writes === 0 && i.spoke.writes === 0),
    ],
    [
      "4",
      `Lease writes in the idle window, hub / spoke`,
      `${int(i.hub.leaseWrites)} / ${int(i.spoke.leaseWrites)} (agent heartbeat: ${int(leaseAgent)}; the rest are the API servers' own identity leases)`,
      "reported apart",
      "",
      "",
    ],
    [
      "4",
      `Reads in the idle window, hub / spoke (all clients)`,
      `${int(i.hub.reads)} / ${int(i.spoke.reads)}; the agent's: hub ${int(hubAgentReads)}, spoke ${int(spokeAgentReads)} (heartbeat reads the spoke's version and ClusterProperties)`,
      `periodic only (agent ≤ ${bound.hub} / ${bound.spoke})`,
      "",
      yes(readsOk),
    ],
  ];
}

function rows(r: RunResult): Row[] {
  const b = r.benchmarks;
  const out: Row[] = [];
  const missing = (n: string, name: BenchName, what: string): void => {
    out.push([n, what, statusText(b[name]), "", "", ""]);
  };

  const ceiling = ok<CeilingResult>(b.ceiling);
  if (ceiling) {
    for (const run of ceiling.runs) {
      out.push(["1", `Ceiling: spoke SSA rate, client concurrency ${run.concurrency}`, `${fmt(run.ssaPerSecond, 0)} SSA/s (request p50 ${fmt(run.latencyMs.p50, 1)} ms, p99 ${fmt(run.latencyMs.p99, 1)} ms; ${int(run.requests)} in ${fmt(run.seconds, 0)} s)`, "reference", "", ""]);
    }
  } else missing("1", "ceiling", "Ceiling: spoke SSA rate");

  const lat = ok<LatencyResult>(b.latency);
  if (lat) {
    const l = lat.latencySeconds;
    out.push(["2", `Latency, Work created → Applied=True seen on the hub (${int(lat.works)} Works × ${lat.manifests.length} manifests, one after another)`, `p50 ${ms(l.p50)}, p95 ${ms(l.p95)}, p99 ${ms(l.p99)} (max ${ms(l.max)})`, "none set", "", ""]);
  } else missing("2", "latency", "Latency, create → Applied");

  const tp = ok<ThroughputResult>(b.throughput);
  if (tp) {
    const target = tp.ceilingSsaPerSecond !== null ? ` (≥ ${fmt(TARGETS.throughputRatio * tp.ceilingSsaPerSecond, 0)}/s)` : "";
    out.push([
      "3",
      `Throughput: ${int(tp.works)} Works × ${tp.manifestsPerWork} ConfigMaps at once, agent --concurrency ${tp.agentConcurrency}`,
      `${fmt(tp.manifestsPerSecond, 0)} manifests/s (${fmt(tp.worksPerSecond, 1)} Works/s; all Applied ${fmt(tp.appliedSeconds, 1)} s after the first create; creates took ${fmt(tp.createSeconds, 1)} s)`,
      `≥ ${TARGETS.throughputRatio} × ceiling at concurrency ${tp.ceilingConcurrency}${target}`,
      tp.ratio !== null ? fmt(tp.ratio, 2) : "no ceiling in this run",
      tp.ratio !== null ? yes(tp.ratio >= TARGETS.throughputRatio) : "",
    ]);
    out.push(...efficiencyRows(tp.efficiency, `${tp.manifestsPerWork}-ConfigMap Works`));
  } else {
    missing("3", "throughput", "Throughput (and request efficiency, idle)");
  }
  if (lat) out.push(...efficiencyRows(lat.efficiency, `${lat.manifests.length}-manifest Works of the latency run`));
  const fpFirst = ok<FootprintResult>(b.footprint)?.agent[0];
  if (fpFirst) out.push(...efficiencyRows(fpFirst.efficiency, `${int(fpFirst.efficiency.works)} 1-ConfigMap Works of the footprint run`));
  if (tp) out.push(...idleRows(tp.idle));

  const drift = ok<DriftResult>(b.drift);
  if (drift) {
    const d = drift.revertSeconds;
    out.push(["5", `Drift correction, out-of-band edit → revert seen on the spoke (${int(drift.edits)} edits)`, `p50 ${ms(d.p50)}, p99 ${ms(d.p99)} (${int(drift.reverted)} reverted, ${int(drift.timeouts)} not within 30 s)`, "none set", "", drift.timeouts > 0 ? "**not all reverted**" : ""]);
  } else missing("5", "drift", "Drift correction latency");

  if (tp) {
    const f = tp.agentFootprint;
    out.push(["6", `Agent idle, ${int(tp.works)} Works × ${tp.manifestsPerWork} ConfigMaps cached`, `RSS ${fmt(f.rssMiB, 0)} MiB (peak ${fmt(f.hwmMiB, 0)}), CPU ${fmt(f.cpuSeconds, 2)} s in ${int(f.idleSeconds)} s`, "none set", "", ""]);
  }
  const fp = ok<FootprintResult>(b.footprint);
  if (fp) {
    for (const a of fp.agent) {
      out.push(["6", `Agent idle, ${int(a.works)} Works × 1 ConfigMap cached`, `RSS ${fmt(a.rssMiB, 0)} MiB (peak ${fmt(a.hwmMiB, 0)}), CPU ${fmt(a.cpuSeconds, 2)} s in ${int(a.idleSeconds)} s`, "none set", "", ""]);
    }
    if ("notRun" in fp.hub) out.push(["6", "Hub controller idle with ClusterProfiles", `not run: ${fp.hub.notRun}`, "none set", "", ""]);
    else out.push(["6", `Hub controller idle, ${int(fp.hub.profiles)} ClusterProfiles registered`, `RSS ${fmt(fp.hub.rssMiB, 0)} MiB (peak ${fmt(fp.hub.hwmMiB, 0)}), CPU ${fmt(fp.hub.cpuSeconds, 2)} s in ${int(fp.hub.idleSeconds)} s (registration took ${fmt(fp.hub.registerSeconds, 0)} s)`, "none set", "", ""]);
  } else missing("6", "footprint", "Footprint (agent with many Works, hub with many ClusterProfiles)");

  const fleet = ok<FleetResult>(b.fleet);
  if (fleet) {
    out.push([
      "7",
      `Fleet: ${int(fleet.clusters)} clusters, an agent each (${fleet.spokes} spoke API servers), ${fleet.worksPerCluster} Works per cluster from WorkPlacements`,
      `all ${int(fleet.works)} Applied ${fmt(fleet.appliedSeconds, 1)} s after the first WorkPlacement (${fmt(fleet.worksPerSecond, 1)} Works/s; fan-out complete at ${fmt(fleet.fanOutSeconds, 1)} s); registration ${fmt(fleet.registerSeconds, 1)} s, agents ready ${fmt(fleet.agentsStartSeconds, 1)} s`,
      "none set",
      "",
      "",
    ]);
  } else missing("7", "fleet", "Fleet scale");
  return out;
}

function table(rs: Row[]): string {
  const esc = (s: string): string => s.replace(/\|/g, "\\|");
  return ["| # | Figure | Measured | Target | Ratio | |", "| --- | --- | --- | --- | --- | --- |", ...rs.map((r) => `| ${r.map(esc).join(" | ")} |`)].join("\n");
}

/** Why a missed target was missed and what would close it, from the run's own numbers. */
function closingNotes(r: RunResult): string[] {
  const notes: string[] = [];
  const b = r.benchmarks;
  const tp = ok<ThroughputResult>(b.throughput);
  const ceiling = ok<CeilingResult>(b.ceiling);
  if (tp && tp.ratio !== null && tp.ratio < TARGETS.throughputRatio) {
    const c16 = ceiling?.runs.find((x) => x.concurrency === tp.ceilingConcurrency);
    const spokeApi = (c: CpuAccount | undefined): number => Object.entries(c?.byProcess ?? {}).filter(([k]) => k.endsWith("/kube-apiserver") && !k.startsWith("hub")).reduce((a, [, v]) => a + v, 0);
    const spokeEtcd = (c: CpuAccount | undefined): number => Object.entries(c?.byProcess ?? {}).filter(([k]) => k.endsWith("/etcd") && !k.startsWith("hub")).reduce((a, [, v]) => a + v, 0);
    const hubSide = Object.entries(tp.cpu.byProcess).filter(([k]) => k.startsWith("hub/")).reduce((a, [, v]) => a + v, 0);
    const agentCpu = tp.cpu.byProcess.agent ?? 0;
    const manifests = tp.works * tp.manifestsPerWork;
    const perSsaCeiling = c16 ? ((spokeApi(c16.cpu) + spokeEtcd(c16.cpu)) / Math.max(1, c16.requests)) * 1000 : NaN;
    const perSsaRun = ((spokeApi(tp.cpu) + spokeEtcd(tp.cpu)) / manifests) * 1000;
    notes.push(
      `**Throughput (${fmt(tp.ratio, 2)} of the ceiling, target ${TARGETS.throughputRatio}).** The ceiling loop had the spoke API server and the 2 cores to itself: ` +
        `${c16 ? cpuLine(c16.cpu) : "no CPU account"}. During the throughput run the same 2 cores also served the hub side of every Work ` +
        `(the ${int(tp.works)} creates, the finalizer and status writes, the watches) and the agent: ${cpuLine(tp.cpu)}. ` +
        `Per manifest, the spoke API server + etcd spent ${fmt(perSsaRun, 1)} ms of CPU (${fmt(perSsaCeiling, 1)} ms per SSA in the ceiling loop), ` +
        `the hub API server + etcd + controller manager ${fmt((hubSide / manifests) * 1000, 1)} ms and the agent ${fmt((agentCpu / manifests) * 1000, 1)} ms. ` +
        `The agent applies at most as fast as the CPU left after the hub side and itself allows; on this machine that share is what the ratio measures. ` +
        `What would close it: run the hub (API server, etcd) on other cores than the spoke, as in any real deployment, which removes ${fmt((hubSide / Math.max(0.001, tp.cpu.machineBusy)) * 100, 0)} % of the busy time; ` +
        `and cut the agent's own CPU per manifest (${fmt((agentCpu / manifests) * 1000, 1)} ms) and its non-SSA requests per Work (${fmt(tp.efficiency.perWork.nonApply, 2)}), e.g. by batching the Work status write with the finalizer write.`,
    );
  }
  for (const [name, e] of [
    ["throughput", tp?.efficiency],
    ["latency", ok<LatencyResult>(b.latency)?.efficiency],
  ] as const) {
    if (!e) continue;
    if (e.ssaPerManifest > TARGETS.ssaPerManifest + 0.005) {
      notes.push(`**SSA per manifest (${name}: ${fmt(e.ssaPerManifest, 3)}).** More than one apply per manifest: the agent re-applied objects it had just applied. Largest spoke request counts: ${topKeys(e.spoke.byKey)}.`);
    }
    if (e.perWork.nonApply > TARGETS.nonApplyPerWork) {
      notes.push(
        `**Other requests per Work (${name}: ${fmt(e.perWork.nonApply, 2)}, target ≤ ${TARGETS.nonApplyPerWork}).** Hub: ${topKeys(e.hub.byKey)}. Spoke: ${topKeys(e.spoke.byKey)}. ` +
          `Each extra Work status write comes from a later reconcile whose conditions differ (e.g. a Deployment's Available/Progressing changing as the controller manager works on it); those are real status changes, but they count against the budget.`,
      );
    }
  }
  if (tp && (tp.idle.hub.writes > 0 || tp.idle.spoke.writes > 0)) {
    notes.push(`**Idle writes (hub ${int(tp.idle.hub.writes)}, spoke ${int(tp.idle.spoke.writes)}).** Hub: ${topKeys(tp.idle.hub.byKey)}. Spoke: ${topKeys(tp.idle.spoke.byKey)}. The agent's own count: ${JSON.stringify(tp.idle.agentClient)}.`);
  }
  return notes;
}

function topKeys(byKey: Record<string, number>, n = 6): string {
  return (
    Object.entries(byKey)
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `${k} ${int(v)}`)
      .join(", ") || "none"
  );
}

export function renderSection(r: RunResult, file: string): string {
  const s = r.settings.sizes;
  const full = r.mode === "full";
  const rel = relative(REPO, file);
  const b = r.benchmarks;
  const tp = ok<ThroughputResult>(b.throughput);
  const fleet = ok<FleetResult>(b.fleet);
  const modeText = full
    ? "a **full run** (every benchmark at the sizes of the issue)"
    : r.mode === "scaled"
      ? `a **scaled run** (\`--scale ${r.scale}\`: counts multiplied by ${r.scale}, see the sizes below), so the figures are indicative only`
      : `a **partial run** (only ${r.selected.join(", ")})`;
  const lines: string[] = [
    BEGIN,
    "## Work API benchmarks (`make bench`)",
    "",
    "Measured side by side in one run of `bench/run.ts` on local control planes it starts itself",
    "(packages/localplane: etcd + kube-apiserver + kube-controller-manager per cluster) and stops at the end.",
    "Regenerate this section from a results file with `npx tsx bench/report.ts bench/results/<file>.json`.",
    "",
    `This is ${modeText}: \`${r.command}\`, ${r.startedAt.slice(0, 16).replace("T", " ")} UTC, ${Math.round(r.durationSeconds / 60)} min, results in \`${rel}\`.`,
    `Machine: ${r.machine.cores} × ${r.machine.cpuModel}, ${r.machine.memoryGiB} GiB RAM, ${r.machine.kernel}; Node ${r.versions.node}, Kubernetes ${r.versions.kubernetes}, etcd ${r.versions.etcd}; commit ${r.versions.commit}.`,
    `Load average at the start ${r.load.start.join(" / ")} and at the end ${r.load.end.join(" / ")} (1/5/15 min); the CPUs were ${fmt(r.load.cpuBusyBeforeStart * 100, 0)} % busy just before the run.`,
    "Other work on the 2 shared cores (other engineers' e2e runs) makes every figure noisy; the CPU accounts below say how much of the machine went elsewhere.",
    "",
    "Settings:",
    "",
    `- Plane: ${String(r.settings.plane)}. Spoke credentials: ${String(r.settings.spokeCredentials)}. The agents' hub identity is a ServiceAccount token from the TokenRequest API bound to the agent's Role (${String(r.settings.agentHubRole)}).`,
    `- Ceiling: ${ceilingDescription(ok<CeilingResult>(b.ceiling))}, concurrency ${s.ceilingConcurrency.join(", ")}, ${s.ceilingSeconds} s each after ${s.ceilingWarmupSeconds} s warm-up.`,
    `- Latency: ${s.latencyWorks} Works (Namespace, ConfigMap, Secret, Service, Deployment with 1 replica; no scheduler, so pods stay Pending), created one after another, each once the previous is Applied; agent --concurrency 8. Time from sending the create to the watch event showing \`Applied=True\` for the Work's generation.`,
    `- Throughput: ${s.throughputWorks} Works × ${s.throughputManifests} ConfigMaps created with ${s.createConcurrency} parallel creates; the clock starts at the first create and stops when the last Work is seen Applied; agent --concurrency ${s.throughputAgentConcurrency} (= the ceiling concurrency it is compared with). Rate = manifests / s.`,
    `- Request efficiency: \`apiserver_request_total\` of hub and spoke before the first create and after the last Applied, minus the benchmark's own requests (its Work creates and /metrics scrapes). SSA is the \`APPLY\` verb. Idle: ${s.settleSeconds} s after convergence, then ${s.idleSeconds} s counted.`,
    `- Drift: ${s.driftWorks} Works × ${s.driftManifests} ConfigMaps; ${s.driftEdits} edits one at a time (merge patch of the ConfigMap's value by another field manager), timed from sending the edit to the watch event with the value restored.`,
    `- Footprint: VmRSS (peak VmHWM) from /proc/PID/status at the end of the idle window, CPU = utime + stime from /proc/PID/stat over the ${s.idleSeconds} s window. Agent with ${s.footprintWorks.join(" then ")} Works of 1 ConfigMap (small Works keep etcd sane), agent --concurrency ${s.throughputAgentConcurrency}; hub controller with ${s.hubProfiles} ClusterProfiles.`,
    `- Fleet: ${s.fleetClusters} clusters on ${s.fleetSpokes} spoke API servers, ${s.fleetWorksPerCluster} Works per cluster of ${s.fleetManifests} ConfigMap, agents at default settings with the kubeconfigs the hub minted; ${String(r.settings.hub)}.` +
      (fleet ? ` ${fleetDescription(fleet)}` : ""),
    "",
    table(rows(r)),
    "",
  ];
  const ceiling = ok<CeilingResult>(b.ceiling);
  if (ceiling || tp) {
    lines.push("CPU accounts (core-seconds per process during the measured phase):", "");
    for (const run of ceiling?.runs ?? []) lines.push(`- Ceiling, concurrency ${run.concurrency}: ${cpuLine(run.cpu)}.`);
    if (tp) lines.push(`- Throughput: ${cpuLine(tp.cpu)}.`);
    lines.push("");
  }
  const notes = closingNotes(r);
  const notRun = (Object.entries(b) as [BenchName, BenchOutcome][]).filter(([, o]) => o.status === "not run" || o.status === "failed");
  lines.push("### Closing note", "");
  if (notes.length === 0 && notRun.length === 0) lines.push("Every target with a value in the issue was met in this run.", "");
  for (const n of notes) lines.push(n, "");
  for (const [name, o] of notRun) lines.push(`**${name}** ${statusText(o)}.`, "");
  if (!full) lines.push(`Sizes of a full run: ${fullSizesText(r.settings.fullSizes)}.`, "");
  if (r.cleanup.leaked.length > 0) lines.push(`**Leaked processes after the run:** ${JSON.stringify(r.cleanup.leaked)}.`, "");
  lines.push(END);
  return lines.join("\n");
}

function ceilingDescription(c: CeilingResult | undefined): string {
  return c ? `${c.object}, a tight loop per concurrency on ${c.cluster}` : "SSA creates of small ConfigMaps";
}

function fleetDescription(f: FleetResult): string {
  return (
    `A WorkPlacement writes the same template to every cluster it selects, and agents sharing a spoke API server must not apply the same objects, ` +
    `so each of the ${f.worksPerCluster} Work slots is one WorkPlacement per lane of ${f.clustersPerPlacement} clusters (one per spoke API server) with its objects in the lane's namespace: ${int(f.placements)} WorkPlacements. ` +
    `Hub RSS with the fleet running: ${fmt(f.hubRssMiB, 0)} MiB; agents ${fmt(f.agentRssMiB.total, 0)} MiB in total (mean ${fmt(f.agentRssMiB.mean, 0)}, max ${fmt(f.agentRssMiB.max, 0)}).`
  );
}

function fullSizesText(s: Sizes): string {
  return `ceiling ${s.ceilingSeconds} s per concurrency, latency ${s.latencyWorks} Works, throughput ${s.throughputWorks} × ${s.throughputManifests}, drift ${s.driftEdits} edits, footprint ${s.footprintWorks.join(" / ")} Works and ${s.hubProfiles} ClusterProfiles, fleet ${s.fleetClusters} clusters × ${s.fleetWorksPerCluster} Works, idle ${s.idleSeconds} s`;
}

/** Replaces (or adds, after the title) the section in docs/benchmarks.md; returns the doc's path. */
export function writeReport(r: RunResult, file: string, docPath = DOC): string {
  const text = renderSection(r, file);
  const current = existsSync(docPath) ? readFileSync(docPath, "utf8") : "# Benchmarks\n";
  const b = current.indexOf(BEGIN);
  const e = current.indexOf(END);
  let next: string;
  if (b >= 0 && e > b) next = current.slice(0, b) + text + current.slice(e + END.length);
  else {
    const nl = current.indexOf("\n");
    const title = current.startsWith("# ") && nl > 0 ? current.slice(0, nl + 1) : "";
    next = `${title}\n${text}\n\n${current.slice(title.length).replace(/^\n+/, "")}`;
  }
  mkdirSync(dirname(docPath), { recursive: true });
  writeFileSync(docPath, next);
  return docPath;
}

function newestResult(dir: string): string {
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".json")) : [];
  if (files.length === 0) throw new Error(`no results in ${dir}; run \`make bench\` first`);
  return join(dir, files.sort((a, b) => statSync(join(dir, b)).mtimeMs - statSync(join(dir, a)).mtimeMs)[0]!);
}

async function main(): Promise<void> {
  const file = process.argv[2] ?? newestResult(join(REPO, "bench/results"));
  const r = JSON.parse(readFileSync(file, "utf8")) as RunResult;
  process.stderr.write(`rendering ${basename(file)} into ${writeReport(r, file)}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
