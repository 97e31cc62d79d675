/**
 * `kubectl work clusters`: one row per ClusterProfile with its Joined and
 * ControlPlaneHealthy conditions, Kubernetes version, and how the Works in
 * the cluster's hub namespace are doing.
 */
import { ClusterProfileConditionType, findCondition, type ClusterProfile, type Condition, type Work } from "@work-api/api";
import { age } from "./age.js";
import { statusTone, type ConditionView } from "./status.js";
import { renderTable, type Cell } from "./text.js";

/** Works of one cluster by state. Only conditions computed for the Work's current generation count. */
export interface WorkCounts {
  total: number;
  /** Applied=True. */
  applied: number;
  /** Available=True. */
  available: number;
  /** Applied=False or Degraded=True. */
  failed: number;
}

/** True when a condition was computed for the Work's current generation (or does not say which). */
function current(c: Condition | undefined, generation: number | undefined): c is Condition {
  if (c === undefined) return false;
  return c.observedGeneration === undefined || generation === undefined || c.observedGeneration >= generation;
}

export function countWorks(works: readonly Work[]): WorkCounts {
  const counts: WorkCounts = { total: 0, applied: 0, available: 0, failed: 0 };
  for (const w of works) {
    counts.total++;
    const gen = w.metadata?.generation;
    const conds = w.status?.conditions;
    const applied = findCondition(conds, "Applied");
    const available = findCondition(conds, "Available");
    const degraded = findCondition(conds, "Degraded");
    if (current(applied, gen) && applied.status === "True") counts.applied++;
    if (current(available, gen) && available.status === "True") counts.available++;
    if ((current(applied, gen) && applied.status === "False") || (current(degraded, gen) && degraded.status === "True")) counts.failed++;
  }
  return counts;
}

/** One cluster as `-o json` prints it. Keys are always present. */
export interface ClusterView {
  name: string;
  /** The cluster's hub namespace, where its Works live. */
  namespace: string;
  displayName: string | null;
  clusterManager: string | null;
  /** Status of the Joined condition (null: not reported). */
  joined: string | null;
  /** Status of the ControlPlaneHealthy condition (null: not reported). */
  healthy: string | null;
  /** status.version.kubernetes */
  version: string | null;
  creationTimestamp: string | null;
  /** null when the Works could not be listed (see worksError). */
  works: WorkCounts | null;
  worksError: string | null;
  conditions: ConditionView[];
}

/** What `kubectl work clusters -o json` prints. */
export interface ClustersView {
  inventoryNamespace: string;
  clusters: ClusterView[];
}

export type WorksResult = { works: readonly Work[] } | { error: string };

export function clusterView(p: ClusterProfile, namespace: string, works: WorksResult): ClusterView {
  const conds = p.status?.conditions;
  return {
    name: p.metadata?.name ?? "",
    namespace,
    displayName: p.spec?.displayName ?? null,
    clusterManager: p.spec?.clusterManager?.name ?? null,
    joined: findCondition(conds, ClusterProfileConditionType.Joined)?.status ?? null,
    healthy: findCondition(conds, ClusterProfileConditionType.ControlPlaneHealthy)?.status ?? null,
    version: p.status?.version?.kubernetes ?? null,
    creationTimestamp: p.metadata?.creationTimestamp ?? null,
    works: "works" in works ? countWorks(works.works) : null,
    worksError: "error" in works ? works.error : null,
    conditions: (conds ?? []).map((c) => ({
      type: c.type,
      status: c.status,
      reason: c.reason ?? "",
      message: c.message ?? "",
      lastTransitionTime: c.lastTransitionTime ?? null,
      observedGeneration: typeof c.observedGeneration === "number" ? c.observedGeneration : null,
    })),
  };
}

export interface ClustersTextOptions {
  now: number;
  color: boolean;
}

function conditionCell(type: string, status: string | null): Cell {
  if (status === null) return { text: "-", tone: "dim" };
  return { text: status, tone: statusTone(type, status) };
}

function countCell(n: number | undefined, tone?: "bad"): Cell {
  if (n === undefined) return { text: "?", tone: "warn" };
  return { text: String(n), tone: n > 0 ? tone : undefined };
}

/** The table of `kubectl work clusters`, ending with a newline. */
export function renderClustersText(v: ClustersView, o: ClustersTextOptions): string {
  const rows: Cell[][] = v.clusters.map((c) => [
    c.name,
    conditionCell("Joined", c.joined),
    conditionCell("ControlPlaneHealthy", c.healthy),
    c.version ?? { text: "-", tone: "dim" },
    countCell(c.works?.total),
    countCell(c.works?.applied),
    countCell(c.works?.available),
    countCell(c.works?.failed, "bad"),
    age(c.creationTimestamp ?? undefined, o.now),
  ]);
  const lines = renderTable(["NAME", "JOINED", "HEALTHY", "VERSION", "WORKS", "APPLIED", "AVAILABLE", "FAILED", "AGE"], rows, { color: o.color });
  return lines.join("\n") + "\n";
}
