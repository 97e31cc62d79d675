/**
 * @work-api/runtime: the controller runtime shared by the agent and the hub.
 */
export * from "./errors.js";
export * from "./paths.js";
export * from "./logger.js";
export * from "./backoff.js";
export * from "./stats.js";
export * from "./transport.js";
export * from "./watchstream.js";
export * from "./client-options.js";
export * from "./client.js";
export * from "./discovery.js";
export * from "./cache.js";
export * from "./informer.js";
export * from "./multi-namespace-informer.js";
export * from "./ratelimiter.js";
export * from "./workqueue.js";
export * from "./metrics.js";
export * from "./controller.js";
export * from "./server.js";
export * from "./leaderelection.js";
export * from "./events.js";
export * from "./signals.js";
export * from "./fake-discovery.js";
export * from "./fake-apiserver.js";
export * from "./flags.js";
export * from "./duration.js";
export * from "./version.js";
