export * from "./config.js";
export * from "./agent.js";
export * from "./reconciler.js";
export * from "./status.js";
export * from "./inventory.js";
export * from "./labels.js";
export * from "./heartbeat.js";
export * from "./predicates.js";
