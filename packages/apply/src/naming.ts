/**
 * Names the agent derives from a Work: the AppliedWork name (unique on the
 * spoke across hubs and hub namespaces), a short stable Work id, and the
 * per-Work field manager.
 */
import { createHash } from "node:crypto";

/** Which agent (hub URL + hub namespace) an AppliedWork belongs to; the agent's AppliedWork cache selects on it. */
export const AGENT_LABEL = "work.multicluster.x-k8s.io/agent";
/** Which Work (its short id) an AppliedWork belongs to. */
export const WORK_ID_LABEL = "work.multicluster.x-k8s.io/work-id";

/**
 * The label key on every object an agent applies: one key per agent, with a
 * constant value, so several Works (of this agent or of others) listing one
 * object share the label without ever rewriting it. The agent's spoke
 * caches select on the key existing.
 */
export function agentObjectLabel(agentId: string): string {
  return `work.multicluster.x-k8s.io/agent-${agentId}`;
}

const MAX_SUBDOMAIN = 253;
/** The API server limits a field manager name to 128 characters. */
export const MAX_FIELD_MANAGER = 128;

function sha256(s: string): string {
  return createHash("sha256").update(s).digest("hex");
}

/** Short stable id of a Work on one hub: 10 hex characters. */
export function workId(hubUrl: string, namespace: string, name: string): string {
  return sha256(`${normaliseUrl(hubUrl)}\n${namespace}\n${name}`).slice(0, 10);
}

function normaliseUrl(u: string): string {
  return u.replace(/\/+$/, "").toLowerCase();
}

/**
 * `<namespace>.<name>-<id>`: readable, and the id keeps it unique when two
 * hubs use the same namespace and name. Too long for a DNS subdomain → `work-<sha256>`.
 */
export function appliedWorkName(hubUrl: string, namespace: string, name: string): string {
  const id = workId(hubUrl, namespace, name);
  const readable = `${namespace}.${name}-${id}`;
  if (readable.length <= MAX_SUBDOMAIN) return readable;
  return `work-${sha256(`${normaliseUrl(hubUrl)}\n${namespace}\n${name}`)}`;
}

/** `<base>-<workId>`, with the base cut so the whole stays within 128 characters. */
export function fieldManagerFor(base: string, id: string): string {
  const room = MAX_FIELD_MANAGER - id.length - 1;
  return `${base.slice(0, room)}-${id}`;
}
