/**
 * Which clusters a WorkPlacement selects: a label selector over the
 * ClusterProfiles of its namespace, or the decisions of PlacementDecisions.
 * Pure; inputs come from the informers' caches.
 */
import {
  DECISION_KEY_LABEL,
  type ClusterProfile,
  type LabelSelector,
  type PlacementDecision,
  type WorkPlacement,
} from "@work-api/api";

/** metav1.LabelSelector semantics: all requirements ANDed; an empty selector matches everything. */
export function matchesSelector(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const r of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const values = r.values ?? [];
    switch (r.operator) {
      case "In":
        if (!has || !values.includes(l[r.key]!)) return false;
        break;
      case "NotIn":
        if (has && values.includes(l[r.key]!)) return false;
        break;
      case "Exists":
        if (!has) return false;
        break;
      case "DoesNotExist":
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** A selected cluster that cannot be given a Work (e.g. a decision naming an unknown ClusterProfile). */
export interface SelectionProblem {
  clusterName: string;
  reason: string;
  message: string;
}

export interface Selection {
  /** Names of selected, usable clusters (sorted). */
  clusters: string[];
  /** Selected names that cannot be used. */
  problems: SelectionProblem[];
  /** Why nothing could be selected (e.g. the referenced decision does not exist). */
  error?: { reason: string; message: string };
}

/** True for ClusterProfiles that can receive Works: not being deleted. */
function usable(p: ClusterProfile): boolean {
  return !p.metadata.deletionTimestamp;
}

/** The PlacementDecisions a placement follows (its namespace's, by name or by decision key). */
export function referencedDecisions(placement: WorkPlacement, decisions: readonly PlacementDecision[]): PlacementDecision[] {
  const ref = placement.spec.placementDecisionRef;
  if (!ref) return [];
  const ns = placement.metadata.namespace;
  return decisions.filter(
    (d) =>
      d.metadata.namespace === ns &&
      (ref.name !== undefined ? d.metadata.name === ref.name : ref.decisionKey !== undefined && d.metadata.labels?.[DECISION_KEY_LABEL] === ref.decisionKey),
  );
}

/**
 * Clusters selected by `placement`. `profiles` are this hub's ClusterProfiles
 * (already filtered by cluster manager) in the placement's namespace.
 */
export function selectClusters(placement: WorkPlacement, profiles: readonly ClusterProfile[], decisions: readonly PlacementDecision[]): Selection {
  const ns = placement.metadata.namespace;
  const byName = new Map(profiles.filter((p) => p.metadata.namespace === ns).map((p) => [p.metadata.name!, p]));
  const spec = placement.spec;
  if (spec.clusterSelector && spec.placementDecisionRef) {
    return { clusters: [], problems: [], error: { reason: "InvalidSpec", message: "exactly one of clusterSelector and placementDecisionRef must be set" } };
  }
  if (spec.clusterSelector) {
    const sel = spec.clusterSelector;
    const clusters = [...byName.values()].filter((p) => usable(p) && matchesSelector(sel, p.metadata.labels)).map((p) => p.metadata.name!);
    return { clusters: clusters.sort(), problems: [] };
  }
  const ref = spec.placementDecisionRef;
  if (!ref) return { clusters: [], problems: [], error: { reason: "InvalidSpec", message: "one of clusterSelector and placementDecisionRef must be set" } };
  const found = referencedDecisions(placement, decisions);
  if (found.length === 0) {
    const what = ref.name !== undefined ? `PlacementDecision ${ns}/${ref.name}` : `PlacementDecisions labelled ${DECISION_KEY_LABEL}=${ref.decisionKey ?? ""} in ${ns}`;
    return { clusters: [], problems: [], error: { reason: "PlacementDecisionNotFound", message: `no ${what}` } };
  }
  const clusters = new Set<string>();
  const problems = new Map<string, SelectionProblem>();
  for (const d of found) {
    for (const dec of d.decisions ?? []) {
      const name = dec.clusterProfileRef?.name;
      if (!name) continue;
      const refNs = dec.clusterProfileRef.namespace || d.metadata.namespace;
      if (refNs !== ns) {
        problems.set(name, { clusterName: name, reason: "ClusterProfileNotInNamespace", message: `decision ${d.metadata.name} names ClusterProfile ${refNs}/${name}; only ClusterProfiles in ${ns ?? ""} can be placed to` });
        continue;
      }
      const p = byName.get(name);
      if (!p) {
        problems.set(name, { clusterName: name, reason: "ClusterProfileNotFound", message: `decision ${d.metadata.name} names ClusterProfile ${name}, which does not exist or is not managed by this hub` });
        continue;
      }
      if (!usable(p)) continue; // being removed: deselected
      clusters.add(name);
    }
  }
  for (const c of clusters) problems.delete(c);
  return { clusters: [...clusters].sort(), problems: [...problems.values()].sort((a, b) => (a.clusterName < b.clusterName ? -1 : 1)) };
}
