/**
 * Cluster names and roles. A name is a DNS label (it becomes a directory,
 * a kubeconfig context and the spoke's cluster id). `NAME:ROLE` picks the role
 * explicitly; otherwise names starting with "hub" are hubs, others spokes.
 */
import type { Role } from "./crds.js";
import { UsageError } from "./errors.js";

export interface ClusterSpec {
  name: string;
  role: Role;
}

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function validateClusterName(name: string): void {
  if (name.length > 63 || !LABEL.test(name)) {
    throw new UsageError(`invalid cluster name "${name}": use lowercase letters, digits and '-', start and end alphanumeric, at most 63 characters`);
  }
}

export function defaultRole(name: string): Role {
  return name.startsWith("hub") ? "hub" : "spoke";
}

export function parseClusterSpec(arg: string): ClusterSpec {
  const [name = "", role, ...rest] = arg.split(":");
  if (rest.length > 0) throw new UsageError(`invalid cluster "${arg}": expected NAME or NAME:ROLE`);
  validateClusterName(name);
  if (role === undefined) return { name, role: defaultRole(name) };
  if (role !== "hub" && role !== "spoke") throw new UsageError(`invalid role "${role}" for cluster ${name}: use hub or spoke`);
  return { name, role };
}

/** Validates a list: non-empty, unique names. */
export function validateClusterSpecs(specs: readonly ClusterSpec[]): void {
  if (specs.length === 0) throw new UsageError("no clusters given");
  const seen = new Set<string>();
  for (const s of specs) {
    validateClusterName(s.name);
    if (seen.has(s.name)) throw new UsageError(`cluster "${s.name}" given twice`);
    seen.add(s.name);
  }
}
