/**
 * Which `spec.manifestConfigs[]` item applies to a manifest: the one whose
 * resourceIdentifier names the object exactly, by API group, resource (as
 * discovery resolves the kind, never the manifest's own spelling), namespace
 * and name. "" and absent are the same for the group and the namespace. The
 * first match wins (the extensions' CRD schema allows one item per object).
 */
import type { ManifestConfig, ResourceSelector } from "@work-api/api";

/** The identity a selector is matched against. */
export interface ObjectIdentity {
  group: string;
  /** Plural resource from discovery ("" when not resolved: nothing matches then). */
  resource: string;
  namespace: string;
  name: string;
}

export function selects(sel: ResourceSelector, id: ObjectIdentity): boolean {
  return (
    id.resource !== "" &&
    sel.resource === id.resource &&
    sel.name === id.name &&
    (sel.group ?? "") === id.group &&
    (sel.namespace ?? "") === id.namespace
  );
}

export function manifestConfigFor(configs: readonly ManifestConfig[] | undefined, id: ObjectIdentity): ManifestConfig | undefined {
  return configs?.find((c) => selects(c.resourceIdentifier, id));
}
