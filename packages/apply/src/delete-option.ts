/**
 * A Work's spec.deleteOption as tests on an object's identity (its resource as discovery resolves
 * it, see manifest-config.ts `selects`):
 *
 * - {@link orphanTest}: which of the objects the Work lets go of (the Work deleted, or their
 *   manifests removed from it) stay on the spoke, orphaned, instead of being deleted.
 *   Foreground (or no deleteOption): none. Orphan: all. SelectivelyOrphan: those an orphaning
 *   rule names exactly.
 * - {@link ownerlessTest}: which objects are applied without the AppliedWork ownerReference (as
 *   OCM does), so that deleting the AppliedWork lets the garbage collector leave them: the
 *   orphaned ones, plus the Namespace of an orphaned object and the CRD of an orphaned custom
 *   resource, whose deletion would take them along.
 */
import type { DeleteOption, OrphaningRule } from "@work-api/api";
import { selects, type ObjectIdentity } from "./manifest-config.js";

export type IdentityTest = (id: ObjectIdentity) => boolean;

const rulesOf = (option: DeleteOption): readonly OrphaningRule[] => option.selectivelyOrphans?.orphaningRules ?? [];

/** The objects the option orphans; undefined when it orphans none. */
export function orphanTest(option: DeleteOption | undefined): IdentityTest | undefined {
  switch (option?.propagationPolicy) {
    case "Orphan":
      return () => true;
    case "SelectivelyOrphan": {
      const rules = rulesOf(option);
      return (id) => rules.some((r) => selects(r, id));
    }
    default:
      return undefined;
  }
}

/** True for the core Namespace resource. */
export function isNamespaceResource(id: { group: string; resource: string }): boolean {
  return id.group === "" && id.resource === "namespaces";
}

/** True for the CustomResourceDefinition resource. */
export function isCrdResource(id: { group: string; resource: string }): boolean {
  return id.group === "apiextensions.k8s.io" && id.resource === "customresourcedefinitions";
}

/** The name of the CRD that defines a custom resource (`<plural>.<group>`, as the API requires). */
export function crdNameOf(id: { group: string; resource: string }): string {
  return `${id.resource}.${id.group}`;
}

/** The objects to apply without the AppliedWork ownerReference; undefined when none. */
export function ownerlessTest(option: DeleteOption | undefined): IdentityTest | undefined {
  const orphan = orphanTest(option);
  if (!orphan || option?.propagationPolicy !== "SelectivelyOrphan") return orphan;
  const rules = rulesOf(option);
  const namespaces = new Set(rules.map((r) => r.namespace ?? "").filter((n) => n !== ""));
  const crds = new Set(rules.filter((r) => (r.group ?? "") !== "").map((r) => crdNameOf({ group: r.group ?? "", resource: r.resource })));
  return (id) => orphan(id) || (id.namespace === "" && ((isNamespaceResource(id) && namespaces.has(id.name)) || (isCrdResource(id) && crds.has(id.name))));
}

/** "Foreground", "Orphan", or "SelectivelyOrphan (configmaps default/a, deployments.apps web/api)". */
export function describeDeleteOption(option: DeleteOption | undefined): string {
  const policy = option?.propagationPolicy ?? "Foreground";
  if (policy !== "SelectivelyOrphan") return policy;
  const named = rulesOf(option!).map((r) => `${r.group ? `${r.resource}.${r.group}` : r.resource} ${r.namespace ? `${r.namespace}/` : ""}${r.name}`);
  return `SelectivelyOrphan (${named.join(", ")})`;
}
