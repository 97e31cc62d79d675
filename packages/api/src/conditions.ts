/**
 * metav1.Condition helpers with the semantics of apimachinery's
 * meta.SetStatusCondition: lastTransitionTime changes only when status does.
 */
import type { Condition, ConditionStatus } from "./meta.js";

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isConditionTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === "True";
}

/** A condition as computed by a reconciler, before a transition time is assigned. */
export interface DesiredCondition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  observedGeneration?: number;
}

/**
 * Returns a new list with `desired` set. The previous lastTransitionTime is
 * kept when the status did not change; `now` is used otherwise.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  desired: DesiredCondition,
  now: string = new Date().toISOString(),
): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === desired.type);
  const prev = i >= 0 ? list[i] : undefined;
  const next: Condition = {
    type: desired.type,
    status: desired.status,
    reason: desired.reason,
    message: desired.message,
    lastTransitionTime: prev && prev.status === desired.status ? prev.lastTransitionTime : trimMillis(now),
    ...(desired.observedGeneration !== undefined ? { observedGeneration: desired.observedGeneration } : {}),
  };
  if (i >= 0) list[i] = next;
  else list.push(next);
  return list;
}

/** Merges several desired conditions into a list, preserving transition times. */
export function setConditions(
  conditions: readonly Condition[] | undefined,
  desired: readonly DesiredCondition[],
  now?: string,
): Condition[] {
  let list = [...(conditions ?? [])];
  for (const d of desired) list = setCondition(list, d, now);
  return list;
}

/** True when two condition lists say the same thing (order and timestamps ignored). */
export function conditionsEquivalent(a: readonly Condition[] | undefined, b: readonly Condition[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  if (x.length !== y.length) return false;
  return x.every((c) => {
    const o = findCondition(y, c.type);
    return (
      o !== undefined &&
      o.status === c.status &&
      o.reason === c.reason &&
      o.message === c.message &&
      (o.observedGeneration ?? 0) === (c.observedGeneration ?? 0)
    );
  });
}

/** metav1.Time is serialised with second precision. */
function trimMillis(iso: string): string {
  return iso.replace(/\.\d+Z$/, "Z");
}
