/**
 * Readiness rules: from a live object on the spoke, the Available,
 * Progressing and Degraded conditions of its manifest, following the status
 * rules of kstatus (sigs.k8s.io/cli-utils) for built-in workloads: the
 * controller has observed the latest generation, and then
 * - Deployment: updated = replicas, no old replicas left, available >= replicas;
 * - StatefulSet: ready = replicas, updated past the partition, and
 *   currentRevision = updateRevision (RollingUpdate without partition);
 * - DaemonSet: scheduled, updated, available and ready = desired;
 * - Job: Complete (Available) or Failed (Degraded).
 * Other kinds with a `Ready` (or `Available`) condition use it (with
 * `Stalled` meaning degraded); kinds without a rule are Available as soon as
 * they exist.
 */
import type { ConditionStatus, KubeObject } from "@work-api/api";

export interface HealthCondition {
  status: ConditionStatus;
  reason: string;
  message: string;
}

export interface Health {
  available: HealthCondition;
  progressing: HealthCondition;
  degraded: HealthCondition;
}

type Rule = (obj: Obj) => Health;
/** A loose view of an unstructured object: every rule checks the types of the values it reads. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = Record<string, any>;
interface Obj {
  metadata?: { generation?: number; name?: string };
  spec?: Loose;
  status?: Loose;
}

const c = (status: ConditionStatus, reason: string, message: string): HealthCondition => ({ status, reason, message });
const notDegraded = c("False", "NotDegraded", "no failure observed");
const notProgressing = c("False", "NotProgressing", "no change in progress");

function cond(obj: Obj, type: string): { status?: string; reason?: string; message?: string } | undefined {
  const list = obj.status?.conditions;
  return Array.isArray(list) ? list.find((x: { type?: string }) => x?.type === type) : undefined;
}

function num(v: unknown, dflt = 0): number {
  return typeof v === "number" ? v : dflt;
}

/** The controller has not yet seen the latest spec. */
function stale(obj: Obj): boolean {
  const gen = obj.metadata?.generation;
  const seen = obj.status?.observedGeneration;
  return gen !== undefined && (typeof seen !== "number" || seen < gen);
}

/** A rule over status counts: the first unmet requirement is the reason the object is not available yet. */
function countsRule(kind: string, check: (o: Obj) => { summary: string; unmet: string | undefined }): Rule {
  return (obj) => {
    if (stale(obj)) {
      const waiting = c("Unknown", "ObservedGenerationStale", `${kind} controller has not observed generation ${obj.metadata?.generation ?? "?"} yet`);
      return { available: waiting, progressing: c("True", "ObservedGenerationStale", waiting.message), degraded: notDegraded };
    }
    const failure = cond(obj, "ReplicaFailure");
    const prog = cond(obj, "Progressing");
    const degraded =
      failure?.status === "True"
        ? c("True", failure.reason ?? "ReplicaFailure", failure.message ?? "replica failure")
        : prog?.status === "False" && prog.reason === "ProgressDeadlineExceeded"
          ? c("True", "ProgressDeadlineExceeded", prog.message ?? "progress deadline exceeded")
          : notDegraded;
    const { summary, unmet } = check(obj);
    if (unmet === undefined) return { available: c("True", "ReplicasReady", summary), progressing: notProgressing, degraded };
    const msg = `${unmet} (${summary})`;
    return { available: c("False", "ReplicasNotReady", msg), progressing: c("True", "RolloutInProgress", msg), degraded };
  };
}

/** The first failing requirement's text, or undefined when all hold. */
function firstUnmet(reqs: readonly [boolean, string][]): string | undefined {
  return reqs.find(([ok]) => !ok)?.[1];
}

const RULES: Readonly<Record<string, Rule>> = {
  "apps/Deployment": countsRule("Deployment", (o) => {
    const want = num(o.spec?.replicas, 1);
    const [replicas, updated, available, ready] = [num(o.status?.replicas), num(o.status?.updatedReplicas), num(o.status?.availableReplicas), num(o.status?.readyReplicas)];
    return {
      summary: `${available}/${want} available, ${updated}/${want} updated, ${ready} ready, ${replicas} total`,
      unmet: firstUnmet([
        [updated >= want, `${updated} of ${want} replicas updated`],
        [replicas <= updated, `${replicas - updated} old replicas pending termination`],
        [available >= want, `${available} of ${want} replicas available`],
      ]),
    };
  }),
  "apps/StatefulSet": countsRule("StatefulSet", (o) => {
    const want = num(o.spec?.replicas, 1);
    const [ready, updated, current] = [num(o.status?.readyReplicas), num(o.status?.updatedReplicas), num(o.status?.currentReplicas)];
    const rolling = o.spec?.updateStrategy?.type !== "OnDelete";
    const partition = num(o.spec?.updateStrategy?.rollingUpdate?.partition, 0);
    const revs = o.status?.currentRevision === o.status?.updateRevision;
    return {
      summary: `${ready}/${want} ready, ${updated}/${want} updated, ${current} current`,
      unmet: firstUnmet([
        [num(o.status?.replicas) >= want, `${num(o.status?.replicas)} of ${want} replicas created`],
        [ready >= want, `${ready} of ${want} replicas ready`],
        [!rolling || partition === 0 || updated >= want - partition, `${updated} of ${want - partition} replicas updated past partition ${partition}`],
        [!rolling || partition > 0 || revs, `rolling update to revision ${String(o.status?.updateRevision ?? "?")} in progress (current ${String(o.status?.currentRevision ?? "?")})`],
      ]),
    };
  }),
  "apps/DaemonSet": countsRule("DaemonSet", (o) => {
    const want = num(o.status?.desiredNumberScheduled);
    const [scheduled, updated, available, ready] = [num(o.status?.currentNumberScheduled), num(o.status?.updatedNumberScheduled), num(o.status?.numberAvailable), num(o.status?.numberReady)];
    return {
      summary: `${available}/${want} available, ${updated}/${want} updated, ${ready}/${want} ready`,
      unmet: firstUnmet([
        [scheduled >= want, `${scheduled} of ${want} nodes scheduled`],
        [updated >= want, `${updated} of ${want} nodes updated`],
        [available >= want, `${available} of ${want} nodes available`],
        [ready >= want, `${ready} of ${want} nodes ready`],
      ]),
    };
  }),
  "batch/Job": (o) => {
    const complete = cond(o, "Complete");
    const failed = cond(o, "Failed");
    if (failed?.status === "True") {
      const m = failed.message ?? "job failed";
      return { available: c("False", "JobFailed", m), progressing: notProgressing, degraded: c("True", failed.reason ?? "JobFailed", m) };
    }
    if (complete?.status === "True") {
      return { available: c("True", "JobComplete", `${num(o.status?.succeeded)} succeeded`), progressing: notProgressing, degraded: notDegraded };
    }
    const m = `${num(o.status?.active)} active, ${num(o.status?.succeeded)} succeeded`;
    return { available: c("False", "JobRunning", m), progressing: c("True", "JobRunning", m), degraded: notDegraded };
  },
  "apiextensions.k8s.io/CustomResourceDefinition": (o) => {
    const est = cond(o, "Established");
    const names = cond(o, "NamesAccepted");
    if (names?.status === "False") {
      const m = names.message ?? "names not accepted";
      return { available: c("False", "NamesNotAccepted", m), progressing: notProgressing, degraded: c("True", names.reason ?? "NamesNotAccepted", m) };
    }
    if (est?.status === "True") return { available: c("True", "Established", "CRD is established"), progressing: notProgressing, degraded: notDegraded };
    return { available: c("False", "NotEstablished", "CRD is not established yet"), progressing: c("True", "NotEstablished", "waiting for the CRD to be established"), degraded: notDegraded };
  },
  "/Namespace": (o) => {
    const phase = o.status?.phase;
    if (phase === "Active" || phase === undefined) return { available: c("True", "NamespaceActive", "namespace is active"), progressing: notProgressing, degraded: notDegraded };
    return { available: c("False", "NamespaceTerminating", `namespace phase is ${String(phase)}`), progressing: notProgressing, degraded: c("True", "NamespaceTerminating", `namespace phase is ${String(phase)}`) };
  },
  "/PersistentVolumeClaim": (o) => {
    const phase = String(o.status?.phase ?? "Pending");
    if (phase === "Bound") return { available: c("True", "Bound", "claim is bound"), progressing: notProgressing, degraded: notDegraded };
    if (phase === "Lost") return { available: c("False", "Lost", "claim lost its volume"), progressing: notProgressing, degraded: c("True", "Lost", "claim lost its volume") };
    return { available: c("False", "Pending", `claim is ${phase}`), progressing: c("True", "Pending", `claim is ${phase}`), degraded: notDegraded };
  },
  "/Service": (o) => {
    if (o.spec?.type !== "LoadBalancer") return exists();
    const ingress = o.status?.loadBalancer?.ingress;
    if (Array.isArray(ingress) && ingress.length > 0) return { available: c("True", "LoadBalancerReady", "load balancer has an ingress point"), progressing: notProgressing, degraded: notDegraded };
    return { available: c("False", "LoadBalancerPending", "waiting for a load balancer ingress point"), progressing: c("True", "LoadBalancerPending", "waiting for a load balancer ingress point"), degraded: notDegraded };
  },
};

function exists(): Health {
  return { available: c("True", "ResourceExists", "resource exists on the cluster"), progressing: notProgressing, degraded: notDegraded };
}

/** True when `kind` in `group` has a readiness rule beyond "exists". */
export function hasReadinessRule(group: string, kind: string): boolean {
  return `${group}/${kind}` in RULES;
}

/** Any kind with a Ready (or Available) condition: that condition decides; Stalled=True is degraded. */
function conditionRule(obj: Obj): Health | undefined {
  const ready = cond(obj, "Ready") ?? cond(obj, "Available");
  if (ready === undefined) return undefined;
  const stalled = cond(obj, "Stalled");
  const degraded = stalled?.status === "True" ? c("True", stalled.reason ?? "Stalled", stalled.message ?? "stalled") : notDegraded;
  const status: ConditionStatus = ready.status === "True" ? "True" : ready.status === "False" ? "False" : "Unknown";
  const message = ready.message || `condition is ${status}`;
  const available = c(status, ready.reason || (status === "True" ? "Ready" : "NotReady"), message);
  // kstatus: a custom resource without status.observedGeneration is not stale; one whose condition or status lags is.
  const gen = obj.metadata?.generation;
  const seen = (ready as { observedGeneration?: unknown }).observedGeneration ?? obj.status?.observedGeneration;
  if (gen !== undefined && typeof seen === "number" && seen < gen && status === "True") {
    const waiting = c("Unknown", "ObservedGenerationStale", `controller has not observed generation ${obj.metadata?.generation ?? "?"} yet`);
    return { available: waiting, progressing: c("True", "ObservedGenerationStale", waiting.message), degraded };
  }
  return { available, progressing: status === "True" ? notProgressing : c("True", available.reason, message), degraded };
}

export function evaluateHealth(group: string, kind: string, live: KubeObject): Health {
  const rule = RULES[`${group}/${kind}`];
  if (rule) return rule(live);
  return conditionRule(live) ?? exists();
}
