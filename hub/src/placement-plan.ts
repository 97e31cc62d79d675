/**
 * The pure core of the placement controller: from a WorkPlacement, the
 * clusters it selects and the Works that exist, what to create, update and
 * delete now (rollout gated by maxConcurrency) and what status to report.
 */
import { createHash } from "node:crypto";
import {
  API_VERSION,
  ConditionType,
  MAX_LISTED_FAILURES,
  PLACEMENT_NAMESPACE_LABEL,
  PLACEMENT_NAME_LABEL,
  PlacementConditionType,
  TEMPLATE_HASH_ANNOTATION,
  conditionsEquivalent,
  findCondition,
  setConditions,
  type ClusterFailure,
  type DesiredCondition,
  type Work,
  type WorkPlacement,
  type WorkPlacementStatus,
} from "@work-api/api";
import { CLUSTER_LABEL, clusterNamespace } from "./names.js";
import { canonical } from "./rbac.js";
import type { Selection } from "./selection.js";

/** Hash of everything in the template that ends up in a Work. */
export function templateHash(p: WorkPlacement): string {
  const t = p.spec.workTemplate;
  return createHash("sha256")
    .update(canonical({ labels: t.metadata?.labels ?? {}, annotations: t.metadata?.annotations ?? {}, spec: t.spec ?? {} }))
    .digest("hex")
    .slice(0, 16);
}

/** The Work a placement wants in a cluster's namespace. */
export function desiredWork(p: WorkPlacement, clusterName: string, hash = templateHash(p)): Work {
  const t = p.spec.workTemplate;
  return {
    apiVersion: API_VERSION,
    kind: "Work",
    metadata: {
      name: p.metadata.name!,
      namespace: clusterNamespace(clusterName),
      labels: {
        ...(t.metadata?.labels ?? {}),
        [PLACEMENT_NAME_LABEL]: p.metadata.name!,
        [PLACEMENT_NAMESPACE_LABEL]: p.metadata.namespace!,
        [CLUSTER_LABEL]: clusterName,
      },
      annotations: { ...(t.metadata?.annotations ?? {}), [TEMPLATE_HASH_ANNOTATION]: hash },
    },
    spec: structuredClone(t.spec ?? {}),
  };
}

/** True when a Work was written by this placement (by its labels). */
export function ownedBy(w: Work, p: WorkPlacement): boolean {
  const l = w.metadata.labels ?? {};
  return l[PLACEMENT_NAME_LABEL] === p.metadata.name && l[PLACEMENT_NAMESPACE_LABEL] === p.metadata.namespace;
}

/**
 * `want` is contained in `have`: every field of `want` is in `have` with an
 * equal value (extra fields in `have`, e.g. server defaults, are ignored).
 */
export function contains(have: unknown, want: unknown): boolean {
  if (want === null || typeof want !== "object") return have === want;
  if (Array.isArray(want)) return Array.isArray(have) && have.length === want.length && want.every((w, i) => contains(have[i], w));
  if (have === null || typeof have !== "object" || Array.isArray(have)) return false;
  const h = have as Record<string, unknown>;
  return Object.entries(want as Record<string, unknown>).every(([k, v]) => contains(h[k], v));
}

/** True when the live Work already is what the placement wants. */
export function upToDate(live: Work, desired: Work): boolean {
  return (
    canonical(live.metadata.labels ?? {}) === canonical(desired.metadata.labels ?? {}) &&
    canonical(live.metadata.annotations ?? {}) === canonical(desired.metadata.annotations ?? {}) &&
    contains(live.spec, desired.spec)
  );
}

/** Progress of an up-to-date Work, from its conditions for its current generation. */
export type WorkProgress = "available" | "applied" | "failed" | "progressing";

export function workProgress(w: Work): WorkProgress {
  const conds = w.status?.conditions;
  const current = (type: string): ReturnType<typeof findCondition> => {
    const c = findCondition(conds, type);
    return c && (c.observedGeneration === undefined || w.metadata.generation === undefined || c.observedGeneration === w.metadata.generation) ? c : undefined;
  };
  const applied = current(ConditionType.Applied);
  if (applied?.status === "False" || current(ConditionType.Degraded)?.status === "True") return "failed";
  if (applied?.status !== "True") return "progressing";
  return current(ConditionType.Available)?.status === "True" ? "available" : "applied";
}

function failureOf(w: Work, clusterName: string): ClusterFailure {
  const bad = [ConditionType.Applied, ConditionType.Degraded]
    .map((t) => findCondition(w.status?.conditions, t))
    .find((c) => c && ((c.type === ConditionType.Applied && c.status === "False") || (c.type === ConditionType.Degraded && c.status === "True")));
  return { clusterName, reason: bad?.reason || "WorkFailed", message: bad?.message || "the Work failed" };
}

export interface PlanInput {
  placement: WorkPlacement;
  selection: Selection;
  /** Works labelled with this placement, plus any Work of the same name in a selected cluster's namespace. */
  works: readonly Work[];
  /** Hub namespaces that exist and are not terminating. */
  namespaceReady: (clusterName: string) => boolean;
  /** Errors of the last write attempts, by cluster (reported as failures). */
  writeErrors?: ReadonlyMap<string, { reason: string; message: string }>;
  now?: string;
}

export interface Plan {
  create: Work[];
  /** Desired Works whose live counterpart must be replaced (metadata from the live one is kept by the caller). */
  update: Work[];
  /** Works to delete: this placement's Works in clusters it no longer selects. */
  delete: Work[];
  status: WorkPlacementStatus;
  /** True when the status differs in substance from the current one. */
  statusChanged: boolean;
}

/** The part of a status compared to decide whether to write it (conditions are compared separately). */
function summaryOf(s: WorkPlacementStatus): string {
  return canonical({
    observedGeneration: s.observedGeneration ?? null,
    selectedClusters: s.selectedClusters ?? 0,
    appliedClusters: s.appliedClusters ?? 0,
    availableClusters: s.availableClusters ?? 0,
    failedClusters: s.failedClusters ?? 0,
    pendingClusters: s.pendingClusters ?? 0,
    failures: s.failures ?? [],
  });
}

/** Builds the plan. Deterministic: clusters are handled in name order. */
export function planPlacement(i: PlanInput): Plan {
  const p = i.placement;
  const hash = templateHash(p);
  const clusterOfNamespace = new Map(i.selection.clusters.map((c) => [clusterNamespace(c), c]));
  const byCluster = new Map<string, Work>();
  const del: Work[] = [];
  for (const w of i.works) {
    const cluster = w.metadata.name === p.metadata.name ? clusterOfNamespace.get(w.metadata.namespace ?? "") : undefined;
    if (cluster !== undefined) byCluster.set(cluster, w);
    // A selection that failed (no PlacementDecision to follow, say one briefly missing) is not an empty
    // decision: the Works stay until a decision explicitly leaves their cluster out.
    else if (ownedBy(w, p) && !w.metadata.deletionTimestamp && !i.selection.error) del.push(w);
  }

  const failures: ClusterFailure[] = i.selection.problems.map((x) => ({ ...x }));
  const candidates: { desired: Work; live: Work | undefined }[] = [];
  let applied = 0;
  let available = 0;
  let inFlight = 0;
  let inFlightFailed = 0;
  let waiting = 0;

  for (const cluster of i.selection.clusters) {
    const desired = desiredWork(p, cluster, hash);
    const live = byCluster.get(cluster);
    if (live && !ownedBy(live, p)) {
      failures.push({ clusterName: cluster, reason: "WorkConflict", message: `Work ${live.metadata.namespace}/${live.metadata.name} exists and was not created by this placement; it is left alone` });
      continue;
    }
    if (live && upToDate(live, desired) && !live.metadata.deletionTimestamp) {
      const progress = workProgress(live);
      if (progress === "available" || progress === "applied") applied++;
      if (progress === "available") available++;
      else {
        inFlight++;
        if (progress === "failed") {
          inFlightFailed++;
          failures.push(failureOf(live, cluster));
        }
      }
      continue;
    }
    // A Work still being deleted is re-created once it is gone; a missing namespace is made by registration.
    if (live?.metadata.deletionTimestamp || !i.namespaceReady(cluster)) {
      waiting++;
      continue;
    }
    candidates.push({ desired, live });
  }

  const max = p.spec.maxConcurrency;
  const budget = max === undefined ? candidates.length : Math.max(0, max - inFlight);
  const allowed = candidates.slice(0, budget);
  const create = allowed.filter((x) => x.live === undefined).map((x) => x.desired);
  const update = allowed.filter((x) => x.live !== undefined).map((x) => x.desired);
  for (const [cluster, e] of i.writeErrors ?? []) {
    if (clusterOfNamespace.has(clusterNamespace(cluster)) && !failures.some((f) => f.clusterName === cluster)) failures.push({ clusterName: cluster, ...e });
  }

  const total = i.selection.clusters.length + i.selection.problems.length;
  const pending = candidates.length - allowed.length + waiting;
  failures.sort((a, b) => (a.clusterName < b.clusterName ? -1 : a.clusterName > b.clusterName ? 1 : 0));
  const conds = placementConditions({
    p,
    selection: i.selection,
    total,
    applied,
    available,
    failures,
    pending,
    inFlight: inFlight + allowed.length,
    inFlightFailed,
    blocked: candidates.length > allowed.length,
  });
  const status: WorkPlacementStatus = {
    observedGeneration: p.metadata.generation,
    selectedClusters: total,
    appliedClusters: applied,
    availableClusters: available,
    failedClusters: failures.length,
    pendingClusters: pending,
    failures: failures.slice(0, MAX_LISTED_FAILURES),
    conditions: setConditions(p.status?.conditions, conds, i.now),
  };
  const cur = p.status ?? {};
  const statusChanged = !conditionsEquivalent(cur.conditions, status.conditions) || summaryOf(cur) !== summaryOf(status);
  return { create, update, delete: del, status, statusChanged };
}

function names(list: readonly { clusterName: string }[], max = 5): string {
  const shown = list.slice(0, max).map((f) => f.clusterName);
  return list.length > max ? `${shown.join(", ")} and ${list.length - max} more` : shown.join(", ");
}

function placementConditions(x: {
  p: WorkPlacement;
  selection: Selection;
  total: number;
  applied: number;
  available: number;
  failures: readonly ClusterFailure[];
  pending: number;
  inFlight: number;
  inFlightFailed: number;
  blocked: boolean;
}): DesiredCondition[] {
  const gen = x.p.metadata.generation !== undefined ? { observedGeneration: x.p.metadata.generation } : {};
  const out: DesiredCondition[] = [];
  const { total } = x;
  if (x.selection.error) {
    out.push({ type: PlacementConditionType.ClustersSelected, status: "False", reason: x.selection.error.reason, message: x.selection.error.message, ...gen });
  } else if (total === 0) {
    out.push({ type: PlacementConditionType.ClustersSelected, status: "False", reason: "NoClustersSelected", message: "No cluster matches the placement.", ...gen });
  } else {
    out.push({ type: PlacementConditionType.ClustersSelected, status: "True", reason: "ClustersSelected", message: `${total} cluster${total === 1 ? "" : "s"} selected.`, ...gen });
  }
  const all = (n: number, type: string, word: string): DesiredCondition =>
    total > 0 && n === total
      ? { type, status: "True", reason: `AllClusters${word}`, message: `The Work is ${word.toLowerCase()} on all ${total} selected clusters.`, ...gen }
      : { type, status: "False", reason: total === 0 ? "NoClustersSelected" : `ClustersNot${word}`, message: `The Work is ${word.toLowerCase()} on ${n} of ${total} selected clusters.`, ...gen };
  out.push(all(x.applied, PlacementConditionType.Applied, "Applied"));
  out.push(all(x.available, PlacementConditionType.Available, "Available"));
  if (x.blocked && x.inFlight > 0 && x.inFlight === x.inFlightFailed) {
    out.push({ type: PlacementConditionType.Progressing, status: "False", reason: "RolloutBlocked", message: `${x.pending} cluster(s) wait for a rollout slot held by failed clusters: ${names(x.failures)}.`, ...gen });
  } else if (x.pending > 0 || x.inFlight > x.inFlightFailed) {
    const limit = x.p.spec.maxConcurrency !== undefined ? ` (maxConcurrency ${x.p.spec.maxConcurrency})` : "";
    out.push({ type: PlacementConditionType.Progressing, status: "True", reason: "RollingOut", message: `${x.inFlight - x.inFlightFailed} cluster(s) updating, ${x.pending} waiting${limit}.`, ...gen });
  } else {
    out.push({ type: PlacementConditionType.Progressing, status: "False", reason: "RolloutComplete", message: "Every selected cluster has the current template.", ...gen });
  }
  out.push(
    x.failures.length > 0
      ? { type: PlacementConditionType.Degraded, status: "True", reason: "ClustersFailed", message: `${x.failures.length} cluster(s) failed: ${names(x.failures)}.`, ...gen }
      : { type: PlacementConditionType.Degraded, status: "False", reason: "NoFailures", message: "No selected cluster failed.", ...gen },
  );
  return out;
}
