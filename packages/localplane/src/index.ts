/**
 * @work-api/localplane: real local Kubernetes control planes (etcd +
 * kube-apiserver + kube-controller-manager) for tests, the demo and
 * benchmarks. See README.md in this package.
 */
export { startPlane, stopPlaneDir, planeStatus } from "./plane.js";
export type { Plane, PlaneOptions, ClusterStatus, StopPlaneDirOptions } from "./plane.js";
export { startCluster, COMPONENTS } from "./cluster.js";
export type { ClusterOptions, RunningCluster, ComponentName } from "./cluster.js";
export { findBinaries, defaultBinDir } from "./binaries.js";
export type { Binaries } from "./binaries.js";
export { defaultCrdsDir, ROLE_CRDS } from "./crds.js";
export type { Role } from "./crds.js";
export { parseClusterSpec, defaultRole } from "./names.js";
export type { ClusterSpec } from "./names.js";
export { ADMIN_USER } from "./pki.js";
export { CLUSTER_ID_PROPERTY, CLUSTERSET_PROPERTY, DEFAULT_CLUSTERSET } from "./properties.js";
export { clusterPaths } from "./state.js";
export { NEVER_READY_LABEL, KWOK_NODE_ANNOTATION, nodeNames } from "./kwok.js";
export { isAlive, commandLine } from "./proc.js";
export {
  LocalplaneError,
  BinariesNotFoundError,
  ProcessStartError,
  CrdInstallError,
  TimeoutError,
  UsageError,
} from "./errors.js";
