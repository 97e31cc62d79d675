/**
 * The CustomResourceDefinition files of the repository's `crds/` dir and the
 * resource each defines, so code and tests agree with the YAML.
 */
import { ClusterProfileResource, ClusterPropertyResource, PlacementDecisionResource } from "./inventory.js";
import { AppliedWorkResource, WorkResource } from "./work.js";

/** Group, storage version, plural, kind and scope of a resource. */
export interface ResourceDescriptor {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

export interface CrdFile {
  /** The resource the file defines; `version` is its storage version. */
  readonly resource: ResourceDescriptor;
  /** Every version served, the storage version first. */
  readonly servedVersions: readonly string[];
  /** Where the CRD is installed: the hub or each spoke. */
  readonly role: "hub" | "spoke";
}

/** File name in `crds/` -> what it defines. */
export const CRD_FILES = {
  "multicluster.x-k8s.io_works.yaml": { resource: WorkResource, servedVersions: ["v1alpha1"], role: "hub" },
  "multicluster.x-k8s.io_appliedworks.yaml": { resource: AppliedWorkResource, servedVersions: ["v1alpha1"], role: "spoke" },
  "multicluster.x-k8s.io_clusterprofiles.yaml": { resource: ClusterProfileResource, servedVersions: ["v1alpha1"], role: "hub" },
  "multicluster.x-k8s.io_placementdecisions.yaml": { resource: PlacementDecisionResource, servedVersions: ["v1alpha1"], role: "hub" },
  "about.k8s.io_clusterproperties.yaml": { resource: ClusterPropertyResource, servedVersions: ["v1beta1", "v1alpha1"], role: "spoke" },
} as const satisfies Record<string, CrdFile>;

export type CrdFileName = keyof typeof CRD_FILES;

/** metadata.name of a resource's CRD: `<plural>.<group>`. */
export function crdName(r: Pick<ResourceDescriptor, "group" | "resource">): string {
  return `${r.resource}.${r.group}`;
}

/** File name of a resource's CRD in `crds/`: `<group>_<plural>.yaml`. */
export function crdFileName(r: Pick<ResourceDescriptor, "group" | "resource">): string {
  return `${r.group}_${r.resource}.yaml`;
}
