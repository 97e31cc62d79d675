/**
 * Readiness rules: from a live object on the spoke, the Available,
 * Progressing and Degraded conditions of its manifest. Kinds without a rule
 * are Available as soon as they exist.
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

function replicaRule(kind: string, counts: (o: Obj) => { want: number; updated: number; ready: number }): Rule {
  return (obj) => {
    if (stale(obj)) {
      const waiting = c("Unknown", "ObservedGenerationStale", `${kind} controller has not observed generation ${obj.metadata?.generation ?? "?"} yet`);
      return { available: waiting, progressing: c("True", "ObservedGenerationStale", waiting.message), degraded: notDegraded };
    }
    const { want, updated, ready } = counts(obj);
    const failure = cond(obj, "ReplicaFailure");
    const prog = cond(obj, "Progressing");
    const degraded =
      failure?.status === "True"
        ? c("True", failure.reason ?? "ReplicaFailure", failure.message ?? "replica failure")
        : prog?.status === "False" && prog.reason === "ProgressDeadlineExceeded"
          ? c("True", "ProgressDeadlineExceeded", prog.message ?? "progress deadline exceeded")
          : notDegraded;
    const msg = `${ready}/${want} ready, ${updated}/${want} updated`;
    if (updated >= want && ready >= want) {
      return { available: c("True", "ReplicasReady", msg), progressing: notProgressing, degraded };
    }
    return { available: c("False", "ReplicasNotReady", msg), progressing: c("True", "RolloutInProgress", msg), degraded };
  };
}

const RULES: Readonly<Record<string, Rule>> = {
  "apps/Deployment": replicaRule("Deployment", (o) => ({
    want: num(o.spec?.replicas, 1),
    updated: num(o.status?.updatedReplicas),
    ready: num(o.status?.availableReplicas),
  })),
  "apps/StatefulSet": replicaRule("StatefulSet", (o) => ({
    want: num(o.spec?.replicas, 1),
    updated: o.spec?.updateStrategy?.type === "OnDelete" ? num(o.spec?.replicas, 1) : num(o.status?.updatedReplicas),
    ready: num(o.status?.readyReplicas),
  })),
  "apps/DaemonSet": replicaRule("DaemonSet", (o) => ({
    want: num(o.status?.desiredNumberScheduled),
    updated: num(o.status?.updatedNumberScheduled),
    ready: num(o.status?.numberAvailable),
  })),
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

export function evaluateHealth(group: string, kind: string, live: KubeObject): Health {
  const rule = RULES[`${group}/${kind}`];
  return rule ? rule(live) : exists();
}
