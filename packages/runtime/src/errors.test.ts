import { describe, expect, it } from "vitest";
import {
  KubeApiError,
  TerminalError,
  ensureError,
  isAlreadyExists,
  isConflict,
  isForbidden,
  isGone,
  isInvalid,
  isNotFound,
  isSchemaError,
  isTerminalError,
  isTooManyRequests,
} from "./errors.js";

const err = (statusCode: number, reason?: string) =>
  new KubeApiError({ statusCode, status: { kind: "Status", status: "Failure", code: statusCode, ...(reason ? { reason } : {}), message: "boom" }, object: "Pod/ns/p" });

describe("KubeApiError", () => {
  it("carries code, reason, status and object; message names the object", () => {
    const e = err(404, "NotFound");
    expect(e).toBeInstanceOf(Error);
    expect(e.statusCode).toBe(404);
    expect(e.reason).toBe("NotFound");
    expect(e.object).toBe("Pod/ns/p");
    expect(e.message).toBe("boom (Pod/ns/p)");
    expect(e.name).toBe("KubeApiError");
  });

  it("falls back to the HTTP code when the server sent no message", () => {
    expect(new KubeApiError({ statusCode: 502 }).message).toBe("HTTP 502");
  });

  it("is classified by the helpers", () => {
    expect(isNotFound(err(404, "NotFound"))).toBe(true);
    expect(isNotFound(err(404))).toBe(true);
    expect(isConflict(err(409, "Conflict"))).toBe(true);
    expect(isConflict(err(409, "AlreadyExists"))).toBe(false);
    expect(isAlreadyExists(err(409, "AlreadyExists"))).toBe(true);
    expect(isGone(err(410, "Expired"))).toBe(true);
    expect(isGone(KubeApiError.fromStatus({ code: 410, reason: "Expired", message: "too old" }))).toBe(true);
    expect(isForbidden(err(403, "Forbidden"))).toBe(true);
    expect(isInvalid(err(422, "Invalid"))).toBe(true);
    expect(isTooManyRequests(err(429, "TooManyRequests"))).toBe(true);
    expect(isNotFound(new Error("404"))).toBe(false);
    expect(isSchemaError(err(422, "Invalid"))).toBe(true);
    expect(isSchemaError(err(400, "BadRequest"))).toBe(true);
    const ssa = new KubeApiError({ statusCode: 500, status: { code: 500, message: "failed to create typed patch object (ns/x; /v1, Kind=ConfigMap): .foo: field not declared in schema" } });
    expect(isSchemaError(ssa)).toBe(true);
    expect(isSchemaError(err(500))).toBe(false);
    expect(isSchemaError(err(409, "Conflict"))).toBe(false);
    expect(isNotFound("NotFound")).toBe(false);
  });
});

describe("TerminalError", () => {
  it("wraps a cause and is detected through cause chains", () => {
    const inner = new Error("bad spec");
    const t = new TerminalError(inner);
    expect(t.message).toBe("bad spec");
    expect(t.cause).toBe(inner);
    expect(isTerminalError(t)).toBe(true);
    expect(isTerminalError(new Error("outer", { cause: t }))).toBe(true);
    expect(isTerminalError(inner)).toBe(false);
  });
});

describe("ensureError", () => {
  it("keeps errors and wraps everything else", () => {
    const e = new Error("x");
    expect(ensureError(e)).toBe(e);
    expect(ensureError("s").message).toBe("s");
    expect(ensureError({ a: 1 }).message).toContain('{"a":1}');
    expect(ensureError(undefined)).toBeInstanceOf(Error);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(ensureError(circular)).toBeInstanceOf(Error);
  });
});
