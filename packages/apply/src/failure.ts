/**
 * Turns an error from discovery or the API server into a manifest condition
 * reason and a message that names the manifest and the cause.
 */
import { isNoAnswer } from "@work-api/runtime";
import { ManifestErrorReason } from "./manifest.js";

export const ApplyFailureReason = {
  ...ManifestErrorReason,
  ManifestRejected: "ManifestRejected",
  Forbidden: "Forbidden",
  ApplyConflict: "ApplyConflict",
  NamespaceNotFound: "NamespaceNotFound",
  ObjectNotFound: "ObjectNotFound",
  ApplyFailed: "ApplyFailed",
  SpokeUnreachable: "SpokeUnreachable",
  /** An object on the spoke that no Work applied, left alone by updateStrategy.takeOver IfNoDiff or Never. */
  NotTakenOver: "NotTakenOver",
  /** A manifestConfigs item the agent cannot use (an ignoreFields path it cannot parse). */
  InvalidManifestConfig: "InvalidManifestConfig",
} as const;

/**
 * Reasons of an Applied=True manifest condition written by an update strategy other than a plain
 * apply (the object was deliberately not written), and of Available=False for an object a ReadOnly
 * or ReportDiff manifest looks for and does not find.
 */
export const StrategyReason = {
  /** updateStrategy ReadOnly: never written; watched and reported. */
  ReadOnly: "ReadOnly",
  /** updateStrategy ReportDiff: never written; its differences from the manifest are reported. */
  ReportedDiff: "ReportedDiff",
  /** updateStrategy CreateOnly: the object exists, so it is not written. */
  CreateOnly: "CreateOnly",
  /** Available=False of a ReadOnly or ReportDiff manifest whose object is not on the spoke. */
  ObjectNotFound: "ObjectNotFound",
} as const;

export interface Failure {
  reason: string;
  message: string;
  error: Error;
}

/** HTTP status of an API error, whatever client produced it. */
export function httpStatus(err: unknown): number | undefined {
  if (!err || typeof err !== "object") return undefined;
  const e = err as { statusCode?: unknown; code?: unknown; status?: unknown };
  for (const v of [e.statusCode, e.code, e.status]) if (typeof v === "number") return v;
  return undefined;
}

/**
 * What a 404 says is missing: the namespace (details.kind "namespaces"), the
 * object (details name the object's kind), or the resource itself ("the
 * server could not find the requested resource": its CRD or API is gone).
 */
export function missingOf(err: unknown): "namespace" | "kind" | "object" {
  const details = (err as { status?: { details?: { kind?: string; name?: string } } } | null)?.status?.details;
  if (details?.kind === "namespaces") return "namespace";
  if (details?.kind !== undefined && details.kind !== "" && details.name !== undefined && details.name !== "") return "object";
  return "kind";
}

/** `actor` names who was refused in a 403 message ("the agent", "ServiceAccount ns/name"). */
export function failureFromError(err: unknown, label: string, actor = "the agent"): Failure {
  const error = err instanceof Error ? err : new Error(String(err));
  // The API's own Status message, without the client's "(Kind/ns/name)" suffix: the label already names the object.
  const status = (err as { status?: { message?: unknown } } | null)?.status;
  const cause = typeof status?.message === "string" && status.message !== "" ? status.message : error.message;
  if (error.name === "NoKindMatchError") {
    return { reason: ApplyFailureReason.KindNotFound, message: `${label}: ${error.message} (is its CRD installed on this cluster?)`, error };
  }
  // Server-side apply reports a field unknown to the schema as a 500 "failed to create typed patch object".
  if (/field not declared in schema|failed to create typed patch object/.test(cause)) {
    return { reason: ApplyFailureReason.ManifestRejected, message: `${label}: rejected by the API server: ${cause}`, error };
  }
  if (isNoAnswer(err)) {
    return { reason: ApplyFailureReason.SpokeUnreachable, message: `${label}: the spoke API server did not answer (transient; retried): ${cause}`, error };
  }
  switch (httpStatus(err)) {
    case 400:
    case 422:
      return { reason: ApplyFailureReason.ManifestRejected, message: `${label}: rejected by the API server: ${cause}`, error };
    case 403:
      return { reason: ApplyFailureReason.Forbidden, message: `${label}: ${actor} may not write this object: ${cause}`, error };
    case 409:
      return { reason: ApplyFailureReason.ApplyConflict, message: `${label}: conflict: ${cause}`, error };
    case 404:
      switch (missingOf(err)) {
        case "namespace":
          return { reason: ApplyFailureReason.NamespaceNotFound, message: `${label}: ${cause}`, error };
        case "kind":
          return { reason: ApplyFailureReason.KindNotFound, message: `${label}: the API server does not serve this kind (${cause}); is its CRD installed on this cluster?`, error };
        default:
          return { reason: ApplyFailureReason.ObjectNotFound, message: `${label}: ${cause}`, error };
      }
    default:
      return { reason: ApplyFailureReason.ApplyFailed, message: `${label}: ${cause}`, error };
  }
}
