/**
 * Work status from the change set of one reconcile: a condition set per
 * manifest (Applied, Available, Progressing, Degraded) and the same four
 * summarised on the Work. Pure: the reconciler decides whether to write.
 */
import {
  ConditionType,
  Reason,
  conditionsEquivalent,
  setConditions,
  type DesiredCondition,
  type ManifestCondition,
  type WorkStatus,
} from "@work-api/api";
import { StrategyReason, evaluateHealth, stableStringify, type ManifestResult } from "@work-api/apply";
import { feedbackStatus } from "./status-feedback.js";
import { driftStatus } from "./status-drift.js";
import { withConditionRules, withoutStale, workRuleConditions } from "./status-rules.js";

/** Builds the manifest conditions, keeping transition times from `previous` where a status did not change. */
export function manifestConditions(results: readonly ManifestResult[], previous: WorkStatus | undefined, now?: string): ManifestCondition[] {
  return results.map((r) => {
    const prev = previous?.manifestConditions?.find((m) => m.identifier.ordinal === r.ordinal && sameObject(m.identifier, r.identifier));
    // Issue 10: feedback adds StatusFeedbackSynced; condition rules replace or add conditions (status-rules.ts).
    const feedback = feedbackStatus(r);
    const desired = withConditionRules(r, [...desiredForManifest(r), ...feedback.conditions]);
    return { identifier: r.identifier, ...feedback.fields, ...driftStatus(r, prev, now), conditions: setConditions(withoutStale(prev?.conditions, desired), desired, now) };
  });
}

const ID_FIELDS = ["group", "version", "kind", "resource", "namespace", "name"] as const;

/** Field-wise identifier equality; key order and absent-versus-empty do not matter. */
export function sameIdentifier(a: ManifestCondition["identifier"], b: ManifestCondition["identifier"]): boolean {
  return a.ordinal === b.ordinal && ID_FIELDS.every((f) => (a[f] ?? "") === (b[f] ?? ""));
}

function sameObject(a: ManifestCondition["identifier"], b: ManifestCondition["identifier"]): boolean {
  return (a.kind ?? "") === (b.kind ?? "") && (a.name ?? "") === (b.name ?? "") && (a.namespace ?? "") === (b.namespace ?? "") && (a.group ?? "") === (b.group ?? "");
}

function desiredForManifest(r: ManifestResult): DesiredCondition[] {
  const generation = r.live?.metadata?.generation;
  const og = typeof generation === "number" ? { observedGeneration: generation } : {};
  const applied: DesiredCondition =
    r.action === "failed"
      ? { type: ConditionType.Applied, status: "False", reason: r.reason ?? Reason.AppliedManifestFailed, message: r.message, ...og }
      : // An update strategy that did not write (ReadOnly, ReportDiff, CreateOnly) says so in its reason.
        { type: ConditionType.Applied, status: "True", reason: r.reason ?? Reason.AppliedManifestComplete, message: r.reason !== undefined ? r.message : "Apply succeeded", ...og };
  if (!r.live && r.absent) {
    // Looked for and not on the spoke (ReadOnly, ReportDiff): not available until someone creates it.
    const why = r.message;
    return [
      applied,
      { type: ConditionType.Available, status: "False", reason: StrategyReason.ObjectNotFound, message: why },
      { type: ConditionType.Progressing, status: "Unknown", reason: StrategyReason.ObjectNotFound, message: why },
      { type: ConditionType.Degraded, status: "Unknown", reason: StrategyReason.ObjectNotFound, message: why },
    ];
  }
  if (!r.live) {
    const why = "the manifest has not been applied";
    return [
      applied,
      { type: ConditionType.Available, status: "Unknown", reason: "NotApplied", message: why },
      { type: ConditionType.Progressing, status: "Unknown", reason: "NotApplied", message: why },
      { type: ConditionType.Degraded, status: "Unknown", reason: "NotApplied", message: why },
    ];
  }
  const h = evaluateHealth(r.identifier.group ?? "", r.identifier.kind ?? "", r.live);
  return [
    applied,
    { type: ConditionType.Available, ...h.available, ...og },
    { type: ConditionType.Progressing, ...h.progressing, ...og },
    { type: ConditionType.Degraded, ...h.degraded, ...og },
  ];
}

const MAX_LISTED = 3;

function list(items: readonly string[]): string {
  const shown = items.slice(0, MAX_LISTED).join("; ");
  return items.length > MAX_LISTED ? `${shown}; and ${items.length - MAX_LISTED} more` : shown;
}

function statusOf(m: ManifestCondition, type: string): string | undefined {
  return m.conditions.find((c) => c.type === type)?.status;
}

function messageOf(m: ManifestCondition, type: string): string {
  return m.conditions.find((c) => c.type === type)?.message ?? "";
}

/** The four Work-level conditions, summarised from the manifests. */
export function workConditions(manifests: readonly ManifestCondition[], generation: number | undefined): DesiredCondition[] {
  const og = generation !== undefined ? { observedGeneration: generation } : {};
  const n = manifests.length;
  const failed = manifests.filter((m) => statusOf(m, ConditionType.Applied) !== "True");
  const applied: DesiredCondition =
    failed.length === 0
      ? { type: ConditionType.Applied, status: "True", reason: Reason.AppliedWorkComplete, message: `${n} of ${n} manifests applied`, ...og }
      : { type: ConditionType.Applied, status: "False", reason: Reason.AppliedWorkFailed, message: `${failed.length} of ${n} manifests failed to apply: ${list(failed.map((m) => messageOf(m, ConditionType.Applied)))}`, ...og };

  const notAvailable = manifests.filter((m) => statusOf(m, ConditionType.Available) === "False");
  const unknown = manifests.filter((m) => statusOf(m, ConditionType.Available) !== "True" && statusOf(m, ConditionType.Available) !== "False");
  const available: DesiredCondition =
    notAvailable.length > 0
      ? { type: ConditionType.Available, status: "False", reason: "ManifestsNotAvailable", message: `${notAvailable.length} of ${n} manifests not available: ${list(notAvailable.map((m) => `manifest ${m.identifier.ordinal}: ${messageOf(m, ConditionType.Available)}`))}`, ...og }
      : unknown.length > 0
        ? { type: ConditionType.Available, status: "Unknown", reason: "ManifestsAvailabilityUnknown", message: `availability of ${unknown.length} of ${n} manifests is unknown`, ...og }
        : { type: ConditionType.Available, status: "True", reason: "ManifestsAvailable", message: `${n} of ${n} manifests available`, ...og };

  const progressing = manifests.filter((m) => statusOf(m, ConditionType.Progressing) === "True");
  const degraded = manifests.filter((m) => statusOf(m, ConditionType.Degraded) === "True");
  return [
    applied,
    available,
    progressing.length > 0
      ? { type: ConditionType.Progressing, status: "True", reason: "ManifestsProgressing", message: `${progressing.length} of ${n} manifests progressing`, ...og }
      : { type: ConditionType.Progressing, status: "False", reason: "NoManifestProgressing", message: "no manifest is progressing", ...og },
    degraded.length > 0
      ? { type: ConditionType.Degraded, status: "True", reason: "ManifestsDegraded", message: `${degraded.length} of ${n} manifests degraded: ${list(degraded.map((m) => `manifest ${m.identifier.ordinal}: ${messageOf(m, ConditionType.Degraded)}`))}`, ...og }
      : { type: ConditionType.Degraded, status: "False", reason: "NoManifestDegraded", message: "no manifest is degraded", ...og },
  ];
}

/** The whole next status of a Work. */
export function nextWorkStatus(results: readonly ManifestResult[], previous: WorkStatus | undefined, generation: number | undefined, now?: string): WorkStatus {
  const manifests = manifestConditions(results, previous, now);
  const desired = [...workConditions(manifests, generation), ...workRuleConditions(results, manifests, generation)];
  return { conditions: setConditions(withoutStale(previous?.conditions, desired), desired, now), manifestConditions: manifests };
}

/** Manifest status fields beside conditions (issue 10 extensions), compared by value. */
const EXTENSION_FIELDS = ["statusFeedback", "driftDetails", "diffDetails"] as const;

function manifestsChanged(previous: WorkStatus | undefined, next: WorkStatus): boolean {
  const a = previous?.manifestConditions ?? [];
  const b = next.manifestConditions ?? [];
  if (a.length !== b.length) return true;
  return b.some((m, i) => {
    const p = a[i]!;
    return !sameIdentifier(p.identifier, m.identifier) || !conditionsEquivalent(p.conditions, m.conditions) || EXTENSION_FIELDS.some((f) => stableStringify(p[f] ?? null) !== stableStringify(m[f] ?? null));
  });
}

/** True when writing `next` would change what the Work says. */
export function statusChanged(previous: WorkStatus | undefined, next: WorkStatus): boolean {
  return !conditionsEquivalent(previous?.conditions, next.conditions) || manifestsChanged(previous, next);
}

/** The status fields that changed (for a merge patch), or undefined when nothing did. */
export function statusPatch(previous: WorkStatus | undefined, next: WorkStatus): Partial<WorkStatus> | undefined {
  const patch: Partial<WorkStatus> = {};
  if (!conditionsEquivalent(previous?.conditions, next.conditions)) patch.conditions = next.conditions;
  if (manifestsChanged(previous, next)) patch.manifestConditions = next.manifestConditions ?? [];
  return Object.keys(patch).length > 0 ? patch : undefined;
}
