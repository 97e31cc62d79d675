/**
 * Waiting for a process to become healthy: polls an HTTP(S) endpoint, fails
 * fast (with the log tail) when the process dies, and times out with the log
 * tail too.
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { setTimeout as sleep } from "node:timers/promises";
import { ProcessStartError } from "./errors.js";
import { describeExit, tailFile, type ManagedProcess } from "./spawn.js";

export interface GetOptions {
  /** CA bundle for https; absent = do not verify (used before the CA exists). */
  ca?: string;
  token?: string;
  timeoutMs?: number;
}

export interface GetResult {
  status: number;
  body: string;
}

/** One GET; rejects on network errors. */
export function httpGet(url: string, opts: GetOptions = {}): Promise<GetResult> {
  return new Promise((resolvePromise, reject) => {
    const u = new URL(url);
    const headers: Record<string, string> = opts.token ? { authorization: `Bearer ${opts.token}` } : {};
    const common = { method: "GET", headers, timeout: opts.timeoutMs ?? 5_000 };
    const req =
      u.protocol === "https:"
        ? httpsRequest(u, { ...common, ...(opts.ca ? { ca: opts.ca } : { rejectUnauthorized: false }) })
        : httpRequest(u, common);
    req.on("response", (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolvePromise({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on("error", reject);
    req.end();
  });
}

export interface WaitHealthyOptions {
  proc: ManagedProcess;
  /** What we wait for, for messages ("etcd /health"). */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /** Resolves true when healthy; throwing or false means not yet. */
  check: () => Promise<boolean>;
}

export async function waitHealthy(opts: WaitHealthyOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let last: unknown;
  for (;;) {
    if (opts.proc.exit !== undefined) {
      throw new ProcessStartError(
        `${opts.proc.record.name} ${describeExit(opts.proc.exit)} before ${opts.what} was ready; log ${opts.proc.record.logPath}:\n${tailFile(opts.proc.record.logPath)}`,
        opts.proc.record.logPath,
      );
    }
    try {
      if (await opts.check()) return;
      last = undefined;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) {
      const why = last instanceof Error ? ` (last error: ${last.message})` : "";
      throw new ProcessStartError(
        `${opts.what} not ready after ${Math.round(opts.timeoutMs / 1000)}s${why}; log ${opts.proc.record.logPath}:\n${tailFile(opts.proc.record.logPath)}`,
        opts.proc.record.logPath,
        { cause: last },
      );
    }
    await sleep(opts.intervalMs ?? 100);
  }
}
