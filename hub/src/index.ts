/**
 * @work-api/hub: the hub controller of the Work API as a library. The
 * `work-hub` CLI (cli.ts) is a thin wrapper over {@link startHub}.
 */
export { startHub, hubConfig, type RunningHub, type StartHubOptions } from "./hub.js";
export { HUB_FLAGS, JOIN_FLAGS, toHubConfig, type HubConfig } from "./config.js";
export { fetchAgentKubeconfig } from "./join-command.js";
export { joinManifests, renderJoin, type JoinOptions } from "./join.js";
export { agentRules } from "./rbac.js";
export { buildAgentKubeconfig, parseAgentKubeconfig } from "./kubeconfig.js";
export * from "./names.js";
export { UNMANAGED_SINCE } from "./registration.js";
export { MAX_PROPERTIES, MAX_PROPERTIES_CHARS } from "./health.js";
export { hubMetrics, type HubCaches, type HubMetricsOptions } from "./metrics.js";
