/**
 * Who writes a Work's objects on the spoke: the ServiceAccount of its
 * `spec.executor.subject` (as OCM ManifestWork), else the agent's default
 * executor (--default-executor), else the agent itself. The agent
 * impersonates that ServiceAccount for every apply, prune and delete of the
 * Work, so the spoke's own RBAC decides what each Work may do; its reads (the
 * caches that see drift) stay the agent's own.
 */
import type { Work } from "@work-api/api";

/** spec.executor of a Work (multicluster.x-k8s.io/v1alpha1 extension). */
export interface WorkExecutor {
  subject?: { type?: string; serviceAccount?: { namespace?: string; name?: string } };
}

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** The impersonated user of a ServiceAccount. */
export function serviceAccountUser(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/** "NAMESPACE/NAME" (the --default-executor form) as a user; undefined for undefined. */
export function userOfExecutorFlag(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const [ns, name] = v.split("/") as [string, string];
  return serviceAccountUser(ns, name);
}

/**
 * The user that writes the Work's objects; undefined: the agent's own identity. A malformed
 * executor (a schema older than this agent let it through) never falls back to a more privileged
 * identity: it yields a user that no agent may impersonate, so every write is refused (Forbidden).
 */
export function executorUser(work: Work, defaultUser: string | undefined): string | undefined {
  const ex = work.spec?.executor as WorkExecutor | undefined;
  if (ex === undefined || ex === null) return defaultUser;
  const sa = ex.subject?.serviceAccount;
  if (ex.subject?.type !== "ServiceAccount" || !sa || !LABEL.test(sa.namespace ?? "") || !NAME.test(sa.name ?? "")) return "system:serviceaccount:invalid-executor";
  return serviceAccountUser(sa.namespace!, sa.name!);
}

/** How messages name the writer: "ServiceAccount ns/name", or "the agent". */
export function actorOf(user: string | undefined): string {
  if (user === undefined) return "the agent";
  const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(user);
  return m ? `executor ServiceAccount ${m[1]}/${m[2]}` : `executor ${user}`;
}
