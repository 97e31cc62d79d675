/**
 * Reading and counting an API server's answers: Retry-After, a failed
 * answer's Status, a whole response body, and client-go's
 * `rest_client_requests_total`. Used by {@link Transport}.
 */
import type http from "node:http";
import { STATUS_CODES } from "node:http";
import type { Status } from "./errors.js";
import type { Registry } from "./metrics.js";

/** Records one request attempt: its HTTP status, or undefined when it got no answer. */
export type RequestRecorder = (status: number | undefined, method: string) => void;

/**
 * client-go's `rest_client_requests_total{code,method,host}` in `reg`, as controller-runtime
 * registers it: one count per attempt (a retried 429 counts, then its retry), `code` the HTTP
 * status or `<error>` when no answer came (client-go's bound on error cardinality), `method` the
 * HTTP method (a watch is a GET), `host` the API server's host:port.
 */
export function restRequestRecorder(reg: Registry, host: string): RequestRecorder {
  const c = reg.counter({ name: "rest_client_requests_total", help: "Number of HTTP requests, partitioned by status code, method, and host.", labelNames: ["code", "method", "host"] });
  return (status, method) => c.inc({ code: status === undefined ? "<error>" : String(status), method: method.toUpperCase(), host });
}

/** Parses Retry-After (seconds or an HTTP date) into ms. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value === "") return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

/** Decodes a failed response body into a Status. */
export function decodeStatus(statusCode: number, body: string): Status {
  try {
    const v = JSON.parse(body) as Status;
    if (v !== null && typeof v === "object" && v.kind === "Status") return v;
  } catch {
    // not JSON
  }
  const text = body.trim().slice(0, 500);
  return { kind: "Status", status: "Failure", code: statusCode, message: text !== "" ? text : `HTTP ${statusCode}`, reason: STATUS_CODES[statusCode]?.replace(/ /g, "") ?? "" };
}

/** The first value of a header. */
export function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** A whole response body (an error answer on a stream, read to decode its Status). */
export function readAll(res: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => chunks.push(c));
    res.on("end", () => resolve(Buffer.concat(chunks)));
    res.on("error", reject);
  });
}
