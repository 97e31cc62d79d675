import { describe, expect, it } from "vitest";
import { failureFromError } from "./failure.js";

const apiError = (statusCode: number, message: string, details?: object) => Object.assign(new Error(`${message} (ConfigMap/ns/x)`), { statusCode, status: { message, ...(details ? { details } : {}) } });

describe("failureFromError", () => {
  it("uses the API's message once, after the manifest label", () => {
    const f = failureFromError(apiError(422, 'ConfigMap "x" is invalid: data: bad'), "manifest 0 (ConfigMap ns/x)");
    expect(f).toMatchObject({ reason: "ManifestRejected", message: 'manifest 0 (ConfigMap ns/x): rejected by the API server: ConfigMap "x" is invalid: data: bad' });
  });

  it("treats an unknown field reported by server-side apply as a rejected manifest", () => {
    const f = failureFromError(apiError(500, "failed to create typed patch object (ns/x; /v1, Kind=ConfigMap): .spec: field not declared in schema"), "manifest 5 (ConfigMap ns/x)");
    expect(f.reason).toBe("ManifestRejected");
  });

  it("maps 403 and 409 to Forbidden and ApplyConflict, and a 404 to what is missing", () => {
    expect(failureFromError(apiError(403, "forbidden"), "m").reason).toBe("Forbidden");
    expect(failureFromError(apiError(409, "conflict"), "m").reason).toBe("ApplyConflict");
    expect(failureFromError(apiError(404, 'namespaces "x" not found', { name: "x", kind: "namespaces" }), "m").reason).toBe("NamespaceNotFound");
    expect(failureFromError(apiError(404, "the server could not find the requested resource", {}), "m").reason).toBe("KindNotFound");
    expect(failureFromError(apiError(404, 'configmaps "c" not found', { name: "c", kind: "configmaps" }), "m").reason).toBe("ObjectNotFound");
    expect(failureFromError(apiError(503, "unavailable"), "m").reason).toBe("ApplyFailed");
  });

  it("points at a missing CRD for an unknown kind", () => {
    const e = Object.assign(new Error("no kind Gizmo in example.com/v1"), { name: "NoKindMatchError" });
    expect(failureFromError(e, "manifest 2 (Gizmo ns/g)").message).toBe("manifest 2 (Gizmo ns/g): no kind Gizmo in example.com/v1 (is its CRD installed on this cluster?)");
  });
});
