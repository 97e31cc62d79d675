export * from "./meta.js";
export * from "./work.js";
export * from "./work-extensions.js";
export * from "./inventory.js";
export * from "./conditions.js";
export * from "./heartbeat.js";
export * from "./placement.js";
export * from "./crds.js";
