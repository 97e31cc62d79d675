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
  PinnedResult,
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
   * "A bounded constant" of requests per Work besides its SSAs, whatever the
   * number of manifests: the writes the agent's protocol needs (finalizer and
   * status of the Work on the hub, create and status of the AppliedWork on
   * the spoke) plus its "Applied" Event, plus the one extra AppliedWork
   * write of the crash-safe inventory when the set of objects changes (a new
   * Work: the objects are listed before they are created), and reads only
   * once per agent and kind (informer lists), i.e. next to none per Work.
   */
  otherWritesPerWork: 6,
  readsPerWork: 0.1,
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

/** Core-seconds of the spoke's processes (all but the hub's, the agent and the runner) as a share of one core. */
function spokeShare(c: CpuAccount, _cpus: string): number {
  const spoke = Object.entries(c.byProcess).filter(([k]) => k.includes("/") && !k.startsWith("hub/")).reduce((a, [, v]) => a + v, 0);
  return (spoke / Math.max(0.001, c.wallSeconds)) * 100;
}

function cpuLine(c: CpuAccount | undefined): string {
  if (!c) return "";
  const groups: Record<string, number> = {};
  for (const [k, v] of Object.entries(c.byProcess)) {
    const key = k === "bench" ? "benchmark runner" : k.startsWith("agents/") ? "agents" : k;
    groups[key] = (groups[key] ?? 0) + v;
  }
  const parts = Object.entries(groups)
    .filter(([, v]) => v >= 0.05 * c.wallSeconds)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${fmt(v, 1)}`);
  const top = Object.entries(c.topOthers ?? {})
    .filter(([, v]) => v >= 0.5)
    .map(([k, v]) => `${k} ${fmt(v, 1)}`)
    .join(", ");
  return `${fmt(c.machineBusy, 1)} of ${fmt(c.cores * c.wallSeconds, 1)} core-seconds busy in ${fmt(c.wallSeconds, 1)} s: ${parts.join(", ")}; everything else on the machine ${fmt(c.others, 1)}${top ? ` (${top})` : ""}`;
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
  const toApplied = p.otherWrites - (e.writesAfterApplied ?? 0);
  const constOk = toApplied <= TARGETS.otherWritesPerWork + 0.005 && p.reads <= TARGETS.readsPerWork;
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
      `writes ${fmt(toApplied, 2)} (hub ${fmt(p.hubWrites - (e.writesAfterApplied ?? 0), 2)}, AppliedWork ${fmt(p.spokeAppliedWorkWrites, 2)}; ${fmt(agentFailedWrites(e) / Math.max(1, e.works), 2)} failed, e.g. 409), agent reads ${fmt(p.reads, 2)}.` +
        (e.writesAfterApplied ? ` After each Work was Applied, ${fmt(e.writesAfterApplied, 2)} more status writes per Work reported later Available/Progressing changes (seen in the hub watch).` : "") +
        ` Not counted: controller-manager writes ${fmt(p.controllerWrites, 2)}, reads of all clients ${fmt(p.serverReads, 2)}`,
      `writes ≤ ${TARGETS.otherWritesPerWork}, reads ≤ ${TARGETS.readsPerWork}, for any number of manifests`,
      fmt(toApplied / TARGETS.otherWritesPerWork, 2),
      yes(constOk),
    ],
  ];
}

/** Writes of the agent answered with an error: any on the hub (leases aside), applies and AppliedWork writes on the spoke. */
function agentFailedWrites(e: Efficiency): number {
  const hub = sumKeys(e.hub.byKey, (v, w, c) => c !== undefined && WRITES.has(v) && !w.startsWith("coordination.k8s.io/leases"));
  const spoke = sumKeys(e.spoke.byKey, (v, w, c) => c !== undefined && (v === "APPLY" || (WRITES.has(v) && w.startsWith("multicluster.x-k8s.io/appliedworks"))));
  return hub + spoke;
}

const WRITES = new Set(["POST", "PUT", "PATCH", "APPLY", "DELETE", "DELETECOLLECTION"]);

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
  } else {
    missing("3", "throughput", "Throughput (and request efficiency, idle)");
  }
  const pn = ok<PinnedResult>(b.pinned);
  if (pn) {
    out.push(["3b", `Ceiling with the spoke's processes on CPU ${pn.spokeCpus} only, concurrency ${pn.ceiling.concurrency}`, `${fmt(pn.ceiling.ssaPerSecond, 0)} SSA/s (request p50 ${fmt(pn.ceiling.latencyMs.p50, 1)} ms, p99 ${fmt(pn.ceiling.latencyMs.p99, 1)} ms)`, "reference (not in the issue)", "", ""]);
    out.push([
      "3b",
      `Throughput with the spoke on CPU ${pn.spokeCpus}, hub, agent and runner on CPU ${pn.otherCpus} (${int(pn.works)} × ${pn.manifestsPerWork}, agent --concurrency ${pn.agentConcurrency})`,
      `${fmt(pn.manifestsPerSecond, 0)} manifests/s (all Applied in ${fmt(pn.appliedSeconds, 1)} s); spoke processes used ${fmt(spokeShare(pn.cpu, pn.spokeCpus), 0)} % of their core`,
      `≥ ${TARGETS.throughputRatio} × the pinned ceiling (≥ ${fmt(TARGETS.throughputRatio * pn.ceiling.ssaPerSecond, 0)}/s)`,
      fmt(pn.ratio, 2),
      yes(pn.ratio >= TARGETS.throughputRatio),
    ]);
  } else if (r.selected.includes("pinned")) missing("3b", "pinned", "Throughput with the spoke on its own core");
  if (tp) out.push(...efficiencyRows(tp.efficiency, `${tp.manifestsPerWork}-ConfigMap Works`));
  if (lat) out.push(...efficiencyRows(lat.efficiency, `${lat.manifests.length}-manifest Works of the latency run`));
  const fpFirst = ok<FootprintResult>(b.footprint)?.agent[0];
  if (fpFirst) out.push(...efficiencyRows(fpFirst.efficiency, `${int(fpFirst.efficiency.works)} 1-ConfigMap Works of the footprint run`));
  if (tp) out.push(...idleRows(tp.idle));

  const drift = ok<DriftResult>(b.drift);
  if (drift) {
    const d = drift.revertSeconds;
    out.push(["5", `Drift correction, out-of-band edit → revert seen on the spoke (${int(drift.edits)} edits)`, `p50 ${ms(d.p50)}, p99 ${ms(d.p99)} (${int(drift.reverted)} reverted, ${int(drift.timeouts)} not within 30 s)`, "none set", "", drift.timeouts > 0 ? "**not all reverted**" : ""]);
    const ri = drift.rulesIdle;
    if (ri && "notRun" in ri) out.push(["5", "Idle with feedback and condition rules (a steady Deployment) and drift records", `not run: ${ri.notRun}`, "0 / 0", "", ""]);
    else if (ri) {
      const i = ri.idle;
      out.push(["5", `Writes in ${int(i.seconds)} s idle with feedback and condition rules on a steady Deployment (${int(ri.feedbackValues)} values) beside the drifted Works, hub / spoke (leases excluded)`, `${int(i.hub.writes)} / ${int(i.spoke.writes)} (${int(i.agentReconciles)} reconciles)`, "0 / 0", "", yes(i.hub.writes === 0 && i.spoke.writes === 0)]);
    }
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
  const pn = ok<PinnedResult>(b.pinned);
  if (tp && tp.ratio !== null && tp.ratio < TARGETS.throughputRatio) {
    const c16 = ceiling?.runs.find((x) => x.concurrency === tp.ceilingConcurrency);
    const manifests = tp.works * tp.manifestsPerWork;
    const perManifest = (c: CpuAccount, n: number, test: (k: string) => boolean): number => (Object.entries(c.byProcess).filter(([k]) => test(k)).reduce((a, [, v]) => a + v, 0) / Math.max(1, n)) * 1000;
    const isSpoke = (k: string): boolean => k.includes("/") && !k.startsWith("hub/");
    const ours = (k: string): boolean => k !== "";
    const spokeRun = perManifest(tp.cpu, manifests, isSpoke);
    const hubRun = perManifest(tp.cpu, manifests, (k) => k.startsWith("hub/"));
    const agentRun = perManifest(tp.cpu, manifests, (k) => k === "agent");
    const benchRun = perManifest(tp.cpu, manifests, (k) => k === "bench");
    const allRun = perManifest(tp.cpu, manifests, ours);
    const spokeCeil = c16 ? perManifest(c16.cpu, c16.requests, isSpoke) : NaN;
    const allCeil = c16 ? perManifest(c16.cpu, c16.requests, ours) : NaN;
    let text =
      `**Throughput (${fmt(tp.ratio, 2)} of the ceiling, target ${TARGETS.throughputRatio}).** The ceiling loop exercises only the spoke: ` +
      `${fmt(allCeil, 1)} ms of CPU per SSA in all (spoke processes ${fmt(spokeCeil, 1)} ms). A Work costs much more than its SSAs: per manifest the throughput run spent ${fmt(allRun, 1)} ms ` +
      `(spoke processes ${fmt(spokeRun, 1)} ms, as the spoke also serves the AppliedWorks and the agent's watches; hub API server, etcd and controller manager ${fmt(hubRun, 1)} ms for the Work's create, finalizer, status and Event and the watches; agent ${fmt(agentRun, 1)} ms; runner ${fmt(benchRun, 1)} ms), ` +
      `and all of it ran on the same 2 cores as the spoke API server` +
      (tp.cpu.others > 0.1 * tp.cpu.machineBusy ? `, with ${fmt((tp.cpu.others / Math.max(0.001, tp.cpu.machineBusy)) * 100, 0)} % of the busy time taken by other work on the machine` : "") +
      `. With the CPU shared, that caps the rate at about ${fmt(allCeil / allRun, 2)} of the ceiling; the run got ${fmt(tp.ratio, 2)}. ` +
      `Were the spoke's CPU its own, its own cost per manifest would cap the ratio at ${fmt(spokeCeil / spokeRun, 2)}.`;
    if (pn) {
      const core0 = ((Object.entries(pn.cpu.byProcess).filter(([k]) => !isSpoke(k)).reduce((a, [, v]) => a + v, 0)) / Math.max(0.001, pn.cpu.wallSeconds)) * 100;
      text +=
        ` With the spoke's processes on a core of their own (3b), the agent reached ${fmt(pn.ratio, 2)} of that core's ceiling (${fmt(pn.manifestsPerSecond, 0)} vs ${fmt(pn.ceiling.ssaPerSecond, 0)}/s): the spoke used ${fmt(spokeShare(pn.cpu, pn.spokeCpus), 0)} % of its core while the hub side, agent and runner used ${fmt(core0, 0)} % of theirs, ` +
        (spokeShare(pn.cpu, pn.spokeCpus) < 85 ? "so there the hub side and the agent are the bottleneck, not the spoke." : "so there the spoke API server is the bottleneck.");
    }
    text +=
      ` What would close it: first, CPU for the spoke API server that the hub side and the agent do not take, as every real cluster has (3b measures this on this machine), on a machine with enough cores for hub, agent and spoke; ` +
      `then less spoke work per manifest besides the SSA (${fmt(spokeRun, 1)} vs ${fmt(spokeCeil, 1)} ms: the AppliedWork create and status write per Work and the watch events of every applied object to the agent's informers), ` +
      `and less work per Work elsewhere: the hub writes per Work (${fmt(tp.efficiency.perWork.hubWrites, 2)}: finalizer, a status holding ${tp.manifestsPerWork} × 4 manifest conditions, an Event) and the agent's ${fmt(agentRun, 1)} ms of CPU per manifest.`;
    notes.push(text);
  }
  for (const [name, e] of [
    ["throughput", tp?.efficiency],
    ["latency", ok<LatencyResult>(b.latency)?.efficiency],
  ] as const) {
    if (!e) continue;
    if (e.ssaPerManifest > TARGETS.ssaPerManifest + 0.005) {
      notes.push(`**SSA per manifest (${name}: ${fmt(e.ssaPerManifest, 3)}).** More than one apply per manifest: the agent re-applied objects it had just applied. Largest spoke request counts: ${topKeys(e.spoke.byKey)}.`);
    }
    if (e.perWork.otherWrites - (e.writesAfterApplied ?? 0) > TARGETS.otherWritesPerWork + 0.005 || e.perWork.reads > TARGETS.readsPerWork) notes.push(constantNote(name, e));
  }
  if (tp && (tp.idle.hub.writes > 0 || tp.idle.spoke.writes > 0)) {
    notes.push(`**Idle writes (hub ${int(tp.idle.hub.writes)}, spoke ${int(tp.idle.spoke.writes)}).** Hub: ${topKeys(tp.idle.hub.byKey)}. Spoke: ${topKeys(tp.idle.spoke.byKey)}. The agent's own count: ${JSON.stringify(tp.idle.agentClient)}.`);
  }
  return notes;
}

function sumKeys(byKey: Record<string, number>, test: (verb: string, what: string, code: string | undefined) => boolean): number {
  let n = 0;
  for (const [k, v] of Object.entries(byKey)) {
    const m = /^(\S+) (\S+)(?: \[(\d+)\])?$/.exec(k);
    if (m && test(m[1]!, m[2]!, m[3])) n += v;
  }
  return n;
}

/** Why the agent needed more than the constant per Work, from the request counts by kind. */
function constantNote(name: string, e: Efficiency): string {
  const per = (x: number): string => fmt(x / Math.max(1, e.works), 2);
  const h = e.hub.byKey;
  const status = sumKeys(h, (v, w) => (v === "PUT" || v === "PATCH") && w === "multicluster.x-k8s.io/works/status");
  const statusFailed = sumKeys(h, (v, w, c) => (v === "PUT" || v === "PATCH") && w === "multicluster.x-k8s.io/works/status" && c !== undefined);
  const finalizer = sumKeys(h, (v, w) => (v === "PUT" || v === "PATCH") && w === "multicluster.x-k8s.io/works");
  const events = sumKeys(h, (v, w) => (v === "POST" || v === "PATCH") && w.endsWith("/events"));
  const after = (e.writesAfterApplied ?? 0) * e.works;
  const extraStatus = status - after - e.works;
  const parts = [
    `**Other requests per Work (${name}: ${fmt(e.perWork.otherWrites - (e.writesAfterApplied ?? 0), 2)} writes and ${fmt(e.perWork.reads, 2)} reads, target ≤ ${TARGETS.otherWritesPerWork} and ≤ ${TARGETS.readsPerWork}).**`,
    `Per Work the agent wrote the Work's finalizer ${per(finalizer)} times, its status ${per(status - after)} times before it was Applied (${per(statusFailed)} answered with an error such as 409)` +
      (after > 0 ? ` and ${per(after)} times after` : "") +
      `, an Event ${per(events)} times, the AppliedWork ${fmt(e.perWork.spokeAppliedWorkWrites, 2)} times, and read ${fmt(e.perWork.reads, 2)} times.`,
    `The budget is the four writes the protocol needs (finalizer, status, AppliedWork create and status) and the Applied Event; beyond it is`,
  ];
  const causes: string[] = [];
  const fixes: string[] = [];
  const deployments = e.spoke.byKey["PUT apps/deployments/status"] ?? 0;
  if (extraStatus > 0.05 * e.works) {
    if (statusFailed > 0) {
      causes.push(
        `${per(statusFailed)} status write(s) per Work rejected as conflicts: a second reconcile, woken by the watch events of the objects the first had just applied, compared against a Work cache that had not yet seen the first one's status write and wrote again`,
      );
      fixes.push("remember the Work status the agent last wrote (as it already does for spoke objects) so a reconcile right after does not write it again against a stale cache");
    }
    if (deployments > 0 && e.writesAfterApplied === undefined) {
      causes.push(
        `${per(extraStatus - statusFailed)} status write(s) per Work after it was Applied: the controller manager keeps updating each Deployment's status (${per(deployments)} times per Work) and the agent reports each change of Available and Progressing; the sequential run has one measurement window for all its Works and cannot leave these out`,
      );
      fixes.push("count each Work's requests only until its own Applied (per-Work windows), or coalesce status changes that follow each other within a short delay into one write");
    } else if (extraStatus - statusFailed > 0.05 * e.works) {
      causes.push(`${per(extraStatus - statusFailed)} more successful status write(s) per Work`);
      fixes.push("find which reconciles wrote the status again (agent debug log) and skip writes that change nothing");
    }
  }
  if (events > 1.05 * e.works) causes.push(`${per(events - e.works)} more Event(s) per Work on the hub`);
  if (e.perWork.reads > TARGETS.readsPerWork) {
    causes.push(`${fmt(e.perWork.reads, 2)} read(s) per Work (the first use of a kind costs a probe LIST and the informer's LIST; few Works share them)`);
    fixes.push("more Works per kind, or informers started ahead for the common kinds");
  }
  if (causes.length === 0) {
    const over = e.perWork.otherWrites - (e.writesAfterApplied ?? 0) - TARGETS.otherWritesPerWork;
    causes.push(`${fmt(over, 2)} write(s) per Work (${fmt(over * e.works, 0)} in all) over the budget; the largest write counts were, hub: ${topKeys(e.hub.byKey, 3)}; spoke: ${topKeys(e.spoke.byKey, 3)}`);
  }
  parts.push(`${causes.join("; ")}.`);
  if (fixes.length > 0) parts.push(`What would close it: ${fixes.join("; ")}.`);
  return parts.join(" ");
}

/** Facts the figures without a target invite: where the time went, how memory grows. */
function observations(r: RunResult): string[] {
  const b = r.benchmarks;
  const out: string[] = [];
  const fleet = ok<FleetResult>(b.fleet);
  if (fleet) {
    const share = fleet.fanOutSeconds / Math.max(0.001, fleet.appliedSeconds);
    out.push(
      share > 0.8
        ? `Fleet: the hub's fan-out is the bottleneck: the last of the ${int(fleet.works)} Works was created ${fmt(fleet.fanOutSeconds, 1)} s after the first WorkPlacement and Applied ${fmt(fleet.appliedSeconds - fleet.fanOutSeconds, 1)} s later. ` +
          `work-hub reconciles ${fleet.hubConcurrency} WorkPlacements at a time and sends each one's Work writes ${fleet.placementWriteConcurrency !== undefined ? `at most ${fleet.placementWriteConcurrency} at once` : "one after another"}, so the fan-out rate is set by the hub API server's answer time under this load.` +
          (fleet.cpu ? ` CPU meanwhile: ${cpuLine(fleet.cpu)}.` : "")
        : `Fleet: the hub created all ${int(fleet.works)} Works within ${fmt(fleet.fanOutSeconds, 1)} s; the agents needed ${fmt(fleet.appliedSeconds - fleet.fanOutSeconds, 1)} s more to apply them.`,
    );
    if (fleet.hubApiWrites) {
      const w = fleet.hubApiWrites;
      out.push(`Fleet: the hub API server took ${int(w.total)} writes from all its clients meanwhile (${fmt(w.perWork, 1)} per Work, ${fmt(w.perSecond, 0)}/s); the most: ${Object.entries(w.top).map(([k, v]) => `${k} ${int(v)}`).join(", ")}.`);
    }
  }
  const fp = ok<FootprintResult>(b.footprint);
  if (fp && fp.agent.length >= 2) {
    const [a, z] = [fp.agent[0]!, fp.agent[fp.agent.length - 1]!];
    out.push(`Agent memory grows by about ${fmt(((z.rssMiB - a.rssMiB) / Math.max(1, z.works - a.works)) * 1024, 0)} KiB per cached 1-ConfigMap Work (${fmt(a.rssMiB, 0)} MiB at ${int(a.works)}, ${fmt(z.rssMiB, 0)} MiB at ${int(z.works)}); idle CPU stays near zero (informer resync is in memory, every 10 min by default).`);
  }
  const lat = ok<LatencyResult>(b.latency);
  const drift = ok<DriftResult>(b.drift);
  if (lat && drift) {
    out.push(`Drift is reverted faster (p50 ${ms(drift.revertSeconds.p50)}) than a new Work is Applied (p50 ${ms(lat.latencySeconds.p50)}): a revert is one watch event and two applies (the first, without force, is refused for the out-of-band manager's conflict; the second forces, since no other Work holds the field), a new Work also needs its finalizer, AppliedWork (create, inventory before the apply, inventory after) and status writes and the hub watch round trip.`);
  }
  return out;
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
    "Run it with `make bench` (all benchmarks at full size, about 15 min on this machine; not part of `make test`), or a selection",
    "and scale with `BENCH_ONLY=ceiling,throughput BENCH_SCALE=0.1 make bench` (benchmarks: ceiling, throughput, pinned, latency,",
    "drift, fleet, footprint); see bench/README.md. Regenerate this section from a results file with",
    "`npx tsx bench/report.ts bench/results/<file>.json`.",
    "",
    `This is ${modeText}: \`${r.command}\`, ${r.startedAt.slice(0, 16).replace("T", " ")} UTC, ${Math.round(r.durationSeconds / 60)} min, results in \`${rel}\`.`,
    `Machine: ${r.machine.cores} × ${r.machine.cpuModel}, ${r.machine.memoryGiB} GiB RAM, ${r.machine.kernel}; Node ${r.versions.node}, Kubernetes ${r.versions.kubernetes}, etcd ${r.versions.etcd}; commit ${r.versions.commit}.`,
    `Load average at the start ${r.load.start.join(" / ")} and at the end ${r.load.end.join(" / ")} (1/5/15 min); the CPUs were ${fmt(r.load.cpuBusyBeforeStart * 100, 0)} % busy just before the run.`,
    othersSentence(r),
    "",
    "Settings:",
    "",
    `- Plane: ${String(r.settings.plane)}. Spoke credentials: ${String(r.settings.spokeCredentials)}. The agents' hub identity is a ServiceAccount token from the TokenRequest API bound to the agent's Role (${String(r.settings.agentHubRole)}).`,
    ...settingLines(r, s, b, fleet),
    "",
    table(rows(r)),
    "",
  ];
  const ceiling = ok<CeilingResult>(b.ceiling);
  if (ceiling || tp || ok<PinnedResult>(b.pinned)) {
    lines.push("CPU accounts (core-seconds per process during the measured phase):", "");
    for (const run of ceiling?.runs ?? []) lines.push(`- Ceiling, concurrency ${run.concurrency}: ${cpuLine(run.cpu)}.`);
    if (tp) lines.push(`- Throughput: ${cpuLine(tp.cpu)}.`);
    const pn = ok<PinnedResult>(b.pinned);
    if (pn) {
      lines.push(`- Ceiling, spoke on CPU ${pn.spokeCpus}: ${cpuLine(pn.ceiling.cpu)}.`);
      lines.push(`- Throughput, spoke on CPU ${pn.spokeCpus}: ${cpuLine(pn.cpu)}.`);
    }
    lines.push("");
  }
  const notes = closingNotes(r);
  const obs = observations(r);
  const notRun = (Object.entries(b) as [BenchName, BenchOutcome][]).filter(([, o]) => o.status === "not run" || o.status === "failed");
  lines.push("### Closing note", "");
  if (notes.length === 0 && notRun.length === 0) lines.push("Every target with a value in the issue was met in this run.", "");
  for (const n of notes) lines.push(n, "");
  for (const [name, o] of notRun) lines.push(`**${name}** ${statusText(o)}.`, "");
  if (obs.length > 0) lines.push("Observations on figures without a target:", "", ...obs.map((o) => `- ${o}`), "");
  if (!full) lines.push(`Sizes of a full run: ${fullSizesText(r.settings.fullSizes)}.`, "");
  if (r.cleanup.leaked.length > 0) lines.push(`**Leaked processes after the run:** ${JSON.stringify(r.cleanup.leaked)}.`, "");
  lines.push(END);
  return lines.join("\n");
}

function settingLines(r: RunResult, s: Sizes, b: RunResult["benchmarks"], fleet: FleetResult | undefined): string[] {
  const sel = new Set(r.selected);
  const out: string[] = [];
  if (sel.has("ceiling")) out.push(`- Ceiling: ${ceilingDescription(ok<CeilingResult>(b.ceiling))}, concurrency ${s.ceilingConcurrency.join(", ")}, ${s.ceilingSeconds} s each after ${s.ceilingWarmupSeconds} s warm-up.`);
  if (sel.has("pinned")) out.push(`- Pinned (3b, not in the issue): with taskset, spoke1's etcd, kube-apiserver and kube-controller-manager on CPU 1; the hub's processes, the runner and the agent (which inherits the runner's affinity) on CPU 0; then a ceiling loop at concurrency ${s.throughputAgentConcurrency} and the same throughput run. The spoke API server has the same CPU in both.`);
  if (sel.has("latency")) out.push(`- Latency: ${s.latencyWorks} Works (Namespace, ConfigMap, Secret, Service, Deployment with 1 replica; no scheduler, so pods stay Pending), created one after another, each once the previous is Applied; agent --concurrency 8. Time from sending the create to the watch event showing \`Applied=True\` for the Work's generation.`);
  if (sel.has("throughput")) {
    out.push(`- Throughput: ${s.throughputWorks} Works × ${s.throughputManifests} ConfigMaps created with ${s.createConcurrency} parallel creates; the clock starts at the first create and stops when the last Work is seen Applied; agent --concurrency ${s.throughputAgentConcurrency} (= the ceiling concurrency it is compared with). Rate = manifests / s.`);
  }
  if (sel.has("throughput") || sel.has("latency") || sel.has("footprint")) {
    out.push(
      `- Request efficiency: \`apiserver_request_total\` of hub and spoke before the first create and after the last Applied, minus the benchmark's own Work creates (/metrics scrapes are not counted by the API server); SSA is the \`APPLY\` verb. Writes are the agent's by resource (on the spoke it only applies and writes AppliedWorks; everything else is the controller manager's); reads are the agent's own counters (\`work_agent_kube_requests_total\`), as the server cannot tell clients apart.` +
        (sel.has("throughput") ? ` Idle: ${s.settleSeconds} s after convergence, then ${s.idleSeconds} s counted.` : ""),
    );
  }
  if (sel.has("drift")) out.push(`- Drift: ${s.driftWorks} Works × ${s.driftManifests} ConfigMaps; ${s.driftEdits} edits one at a time (merge patch of the ConfigMap's value by another field manager), timed from sending the edit to the watch event with the value restored. Then a Deployment with feedback rules (WellKnownStatus, JSONPaths) and a CEL condition rule is added, and once its values are reported an idle window counts the writes, the agent resyncing every Work each 15 s (issue 10: feedback costs no polling and no write on a steady object).`);
  if (sel.has("footprint") || sel.has("throughput")) {
    out.push(`- Footprint: VmRSS (peak VmHWM) from /proc/PID/status at the end of the idle window, CPU = utime + stime from /proc/PID/stat over the ${s.idleSeconds} s window.` + (sel.has("footprint") ? ` Agent with ${s.footprintWorks.join(" then ")} Works of 1 ConfigMap (small Works keep etcd sane), agent --concurrency ${s.throughputAgentConcurrency}; hub controller with ${s.hubProfiles} ClusterProfiles and no agents.` : ""));
  }
  if (sel.has("fleet")) {
    out.push(`- Fleet: ${s.fleetClusters} clusters on ${s.fleetSpokes} spoke API servers, ${s.fleetWorksPerCluster} Works per cluster of ${s.fleetManifests} ConfigMap, agents at default settings (--concurrency 8) with the kubeconfigs the hub minted; ${String(r.settings.hub)}.` + (fleet ? ` ${fleetDescription(fleet)}` : ""));
  }
  return out;
}

function othersSentence(r: RunResult): string {
  const accounts: [string, CpuAccount][] = [];
  const c = ok<CeilingResult>(r.benchmarks.ceiling);
  const tp = ok<ThroughputResult>(r.benchmarks.throughput);
  const pn = ok<PinnedResult>(r.benchmarks.pinned);
  const fleet = ok<FleetResult>(r.benchmarks.fleet);
  for (const run of c?.runs ?? []) accounts.push([`the ceiling at concurrency ${run.concurrency}`, run.cpu]);
  if (tp) accounts.push(["the throughput run", tp.cpu]);
  if (pn) accounts.push(["the pinned ceiling", pn.ceiling.cpu], ["the pinned throughput run", pn.cpu]);
  if (fleet?.cpu) accounts.push(["the fleet run", fleet.cpu]);
  const share = (a: CpuAccount): number => a.others / Math.max(0.001, a.cores * a.wallSeconds);
  const worst = accounts.sort((a, b) => share(b[1]) - share(a[1]))[0];
  const text = "The 2 cores are shared with whatever else runs on the machine (other engineers' e2e runs)";
  return worst ? `${text}; other work took at most ${fmt(share(worst[1]) * 100, 0)} % of the machine in a measured phase (${worst[0]}), see the CPU accounts below.` : `${text}.`;
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
