/**
 * Who holds an object on the spoke: the AppliedWorks it names as owners (one
 * per Work that lists it, from any agent), and the field managers that
 * conflict with an apply. A field manager is a Work's when it ends in a
 * Work id (`<base>-<10 hex>`) and the object carries an AppliedWork owner
 * of that Work (the AppliedWork name ends in the same id), so two agents
 * with different `--field-manager` bases still recognise each other.
 */
import type { KubeObject, OwnerReference } from "@work-api/api";

const APPLIED_WORK_API = "multicluster.x-k8s.io/";

/** The AppliedWork ownerReferences of a live object. */
export function appliedWorkOwners(live: KubeObject | undefined): OwnerReference[] {
  return (live?.metadata?.ownerReferences ?? []).filter((o) => o.kind === "AppliedWork" && o.apiVersion.startsWith(APPLIED_WORK_API));
}

/** True when the object names the AppliedWork `uid` as an owner. */
export function ownedBy(live: KubeObject | undefined, uid: string): boolean {
  return appliedWorkOwners(live).some((o) => o.uid === uid);
}

/** AppliedWork owners other than `uid`: the other Works that still list the object. */
export function otherOwners(live: KubeObject | undefined, uid: string): OwnerReference[] {
  return appliedWorkOwners(live).filter((o) => o.uid !== uid);
}

const WORK_ID = /-([0-9a-f]{10})$/;

/** The AppliedWork (of any agent) whose Work applies as `manager`, if the object names it as owner. */
export function workOwnerOfManager(manager: string, live: KubeObject | undefined): OwnerReference | undefined {
  const id = WORK_ID.exec(manager)?.[1];
  if (id === undefined) return undefined;
  // AppliedWork names are `<namespace>.<name>-<id>`, or `work-<sha256>` (whose first 10 hex are the id) when too long.
  return appliedWorkOwners(live).find((o) => o.name.endsWith(`-${id}`) || o.name.startsWith(`work-${id}`));
}

/** One field another manager holds, from a 409 of a server-side apply. */
export interface FieldConflict {
  manager: string;
  field: string;
}

interface StatusLike {
  status?: { details?: { causes?: { reason?: string; message?: string; field?: string }[] }; message?: string };
}

/** The conflicts of a 409 apply answer: which manager holds which field. */
export function parseConflicts(err: unknown): FieldConflict[] {
  const causes = (err as StatusLike | null)?.status?.details?.causes ?? [];
  const out: FieldConflict[] = [];
  for (const c of causes) {
    if (c.reason !== "FieldManagerConflict") continue;
    const manager = /conflict with "([^"]+)"/.exec(c.message ?? "")?.[1];
    if (manager !== undefined) out.push({ manager, field: c.field ?? "" });
  }
  return out;
}
