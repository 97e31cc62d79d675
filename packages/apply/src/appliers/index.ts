/** The applier of each updateStrategy type (see applier.ts). */
import { UpdateStrategyType, type UpdateStrategy } from "@work-api/api";
import type { Applier } from "./applier.js";
import { createOnlyApplier } from "./create-only.js";
import { readOnlyApplier } from "./read-only.js";
import { reportDiffApplier } from "./report-diff.js";
import { serverSideApplier } from "./server-side-apply.js";

const APPLIERS: Record<string, Applier> = Object.fromEntries([serverSideApplier, createOnlyApplier, readOnlyApplier, reportDiffApplier].map((a) => [a.type, a]));

/** The applier of a strategy (ServerSideApply when none is set); undefined for a type this agent does not know. */
export function applierFor(strategy: UpdateStrategy | undefined): Applier | undefined {
  return APPLIERS[strategy?.type ?? UpdateStrategyType.ServerSideApply];
}

export type { Applier, ApplierContext } from "./applier.js";
export { parseJsonPath, JsonPathError, type Segment } from "./json-path.js";
export { leaveToSpoke, parseIgnoreFields } from "./ignore-fields.js";
export { madeByAWork } from "./take-over.js";
