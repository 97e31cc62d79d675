export * from "./meta.js";
export * from "./work.js";
export * from "./inventory.js";
export * from "./conditions.js";
