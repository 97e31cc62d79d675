/** What every benchmark module gets, and the shapes of their results (also read by report.ts). */
import type { BenchName, BenchOptions, Sizes } from "./options.js";
import type { BenchPlane } from "./plane.js";
import type { AgentRequestCounts, RequestSummary } from "./metrics.js";
import type { Summary } from "./stats.js";
import type { CpuAccount } from "./cpu.js";

export interface BenchContext {
  opts: BenchOptions;
  sizes: Sizes;
  plane: BenchPlane;
  /** Run dir: the plane, kubeconfigs, process logs. */
  dir: string;
  logDir: string;
  /** Results of the benchmarks that already ran (throughput reads the ceiling). */
  results: Partial<Record<BenchName, BenchOutcome>>;
}

export type BenchOutcome =
  | { status: "ok"; seconds: number; data: BenchData }
  | { status: "not run"; reason: string }
  | { status: "failed"; seconds: number; error: string }
  | { status: "skipped" };

export type BenchData = CeilingResult | ThroughputResult | PinnedResult | LatencyResult | DriftResult | FleetResult | FootprintResult;

export interface CeilingRun {
  concurrency: number;
  seconds: number;
  requests: number;
  errors: number;
  ssaPerSecond: number;
  latencyMs: Summary;
  cpu: CpuAccount;
}

export interface CeilingResult {
  kind: "ceiling";
  cluster: string;
  object: string;
  warmupSeconds: number;
  runs: CeilingRun[];
}

/** Requests of one measured phase, from the API servers (minus the benchmark's own) and from the agent. */
export interface Efficiency {
  works: number;
  manifestsPerWork: number;
  hub: RequestSummary;
  spoke: RequestSummary;
  /**
   * Per Work. The agent's writes are told apart from kube-controller-manager's
   * by resource: on the spoke the agent only applies (APPLY) and writes
   * AppliedWorks; every other spoke write (pods, ReplicaSets, EndpointSlices,
   * ServiceAccounts and root-CA ConfigMaps of new namespaces, Events, status
   * of Deployments) is the controller manager's, reported as controllerWrites.
   */
  perWork: {
    spokeApplies: number;
    spokeAppliedWorkWrites: number;
    hubWrites: number;
    /** hubWrites + spokeAppliedWorkWrites: the agent's writes besides one SSA per manifest. */
    otherWrites: number;
    /** The agent's GETs and LISTs on hub and spoke (its own counters: the server cannot tell clients apart). */
    reads: number;
    /** GET and LIST on hub and spoke, server-side, every client (admission, controller manager included). */
    serverReads: number;
    /** Answers other than 2xx to writes (e.g. 409 conflicts from a stale cache), hub and spoke. */
    failedWrites: number;
    /** spokeApplies + otherWrites + reads. */
    total: number;
    /** otherWrites + reads: the constant on top of the SSAs. */
    nonApply: number;
    controllerWrites: number;
  };
  /** Spoke SSAs / manifests. */
  ssaPerManifest: number;
  /**
   * Hub writes per Work made after that Work was Applied (changes of the Work seen in the
   * hub watch after its Applied=True, e.g. later Available/Progressing reports), when known.
   */
  writesAfterApplied?: number;
  /** What the agent counted itself (cluster -> verb). */
  agentClient: AgentRequestCounts;
  /** The benchmark's own requests subtracted from the server counts. */
  subtracted: { hub: Record<string, number>; spoke: Record<string, number> };
}

export interface Idle {
  seconds: number;
  hub: RequestSummary;
  spoke: RequestSummary;
  agentClient: AgentRequestCounts;
  agentReconciles: number;
}

export interface ProcFootprint {
  rssMiB: number;
  hwmMiB: number;
  /** CPU seconds used during the idle window. */
  cpuSeconds: number;
  idleSeconds: number;
}

export interface ThroughputResult {
  kind: "throughput";
  works: number;
  manifestsPerWork: number;
  createConcurrency: number;
  agentConcurrency: number;
  /** First create sent -> last create answered. */
  createSeconds: number;
  /** First create sent -> last Work seen Applied on the hub. */
  appliedSeconds: number;
  manifestsPerSecond: number;
  worksPerSecond: number;
  ceilingConcurrency: number;
  ceilingSsaPerSecond: number | null;
  ratio: number | null;
  efficiency: Efficiency;
  idle: Idle;
  agentFootprint: ProcFootprint;
  /** CPU from the first create to the last Applied. */
  cpu: CpuAccount;
}

export interface LatencyResult {
  kind: "latency";
  works: number;
  manifests: string[];
  latencySeconds: Summary;
  efficiency: Efficiency;
}

export interface DriftResult {
  kind: "drift";
  works: number;
  manifestsPerWork: number;
  edits: number;
  reverted: number;
  timeouts: number;
  revertSeconds: Summary;
  /** Issue 10: the idle window after the edits, with a feedback- and condition-ruled Deployment beside the drifted Works. */
  rulesIdle?: { idle: Idle; feedbackValues: number } | { notRun: string };
  /** Flags this scenario's agent ran with beside the common settings. */
  agentArgs?: string[];
}

export interface FootprintAgent extends ProcFootprint {
  works: number;
  manifestsPerWork: number;
  convergeSeconds: number;
  /** Requests of the Works added in this step (1-manifest Works). */
  efficiency: Efficiency;
}

export interface FootprintHub extends ProcFootprint {
  profiles: number;
  registerSeconds: number;
}

export interface FootprintResult {
  kind: "footprint";
  agent: FootprintAgent[];
  hub: FootprintHub | { notRun: string };
}

export interface FleetResult {
  kind: "fleet";
  clusters: number;
  spokes: number;
  worksPerCluster: number;
  manifestsPerWork: number;
  placements: number;
  clustersPerPlacement: number;
  /** Profiles created -> every cluster's kubeconfig Secret minted. */
  registerSeconds: number;
  /** Time to start all agents until /readyz. */
  agentsStartSeconds: number;
  /** First WorkPlacement created -> all Works exist on the hub. */
  fanOutSeconds: number;
  /** First WorkPlacement created -> all Works Applied. */
  appliedSeconds: number;
  works: number;
  worksPerSecond: number;
  hubRssMiB: number;
  agentRssMiB: { total: number; mean: number; max: number };
  hubConcurrency: number;
  /** The hub's --placement-write-concurrency (absent in results from before the flag: writes were sequential). */
  placementWriteConcurrency?: number;
  /** Writes every client sent the hub API server from the first WorkPlacement to the last Work Applied (leases included). */
  hubApiWrites?: { total: number; perWork: number; perSecond: number; top: Record<string, number> };
  /** From the first WorkPlacement to the last Applied (agents summed as "agents/…"). */
  cpu?: CpuAccount;
}

export interface PinnedResult {
  kind: "pinned";
  /** taskset CPU list of the spoke's processes, and of everything else of the run. */
  spokeCpus: string;
  otherCpus: string;
  ceiling: CeilingRun;
  works: number;
  manifestsPerWork: number;
  agentConcurrency: number;
  createSeconds: number;
  appliedSeconds: number;
  manifestsPerSecond: number;
  worksPerSecond: number;
  efficiency: Efficiency;
  cpu: CpuAccount;
  ratio: number;
}
