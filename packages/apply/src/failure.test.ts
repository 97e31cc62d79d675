import { describe, expect, it } from "vitest";
import { KubeApiError } from "@work-api/runtime";
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

  it("says SpokeUnreachable (transient) when the spoke gave no answer, not for a TLS error or a 500", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6443"), { code: "ECONNREFUSED" });
    expect(failureFromError(refused, "manifest 1 (ConfigMap ns/x)")).toMatchObject({ reason: "SpokeUnreachable", message: "manifest 1 (ConfigMap ns/x): the spoke API server did not answer (transient; retried): connect ECONNREFUSED 127.0.0.1:6443" });
    expect(failureFromError(new KubeApiError({ statusCode: 503 }), "m").reason).toBe("SpokeUnreachable");
    expect(failureFromError(Object.assign(new Error("unable to verify the first certificate"), { code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" }), "m").reason).toBe("ApplyFailed");
    expect(failureFromError(apiError(500, "etcdserver: request timed out"), "m").reason).toBe("ApplyFailed");
  });

  it("points at a missing CRD for an unknown kind", () => {
    const e = Object.assign(new Error("no kind Gizmo in example.com/v1"), { name: "NoKindMatchError" });
    expect(failureFromError(e, "manifest 2 (Gizmo ns/g)").message).toBe("manifest 2 (Gizmo ns/g): no kind Gizmo in example.com/v1 (is its CRD installed on this cluster?)");
  });
});
