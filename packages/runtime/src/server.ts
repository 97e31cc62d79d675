/**
 * The operations HTTP server: `/healthz` (liveness), `/readyz` (readiness,
 * e.g. "informers synced") and `/metrics` (Prometheus text format, from
 * prom-client; a registry served here also gets prom-client's process and
 * Node.js metrics, see {@link Registry.collectDefaultMetrics}).
 *
 * Checks return true/void for healthy, false or throw for unhealthy. A
 * failing endpoint answers 500 with one "[-]name failed: reason" line per
 * failing check; add `?verbose` to list passing checks too.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { ensureError } from "./errors.js";
import { noopLogger, type Logger } from "./logger.js";
import { Registry, defaultRegistry } from "./metrics.js";

/** A health or readiness check. */
export type Check = () => boolean | void | Promise<boolean | void>;

/** Options of {@link OpsServer}. */
export interface OpsServerOptions {
  /**
   * Listen address "host:port", ":port" (all interfaces) or "[::1]:port".
   * "", "0" or undefined disables the server; port 0 picks a free port.
   */
  address?: string;
  /** Metrics to serve. Default {@link defaultRegistry}. */
  registry?: Registry;
  logger?: Logger;
  /** Longest a check may take before it counts as failed. Default 5 s. */
  checkTimeoutMs?: number;
}

/** Parses a listen address; undefined means disabled. */
export function parseListenAddress(address: string | undefined): { host: string | undefined; port: number } | undefined {
  const a = (address ?? "").trim();
  if (a === "" || a === "0") return undefined;
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(a);
  if (m === null) throw new Error(`invalid listen address ${JSON.stringify(address)}: want host:port or :port`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`invalid port in listen address ${JSON.stringify(address)}`);
  const host = m[1] ?? m[2];
  return { host: host === "" ? undefined : host, port };
}

async function runCheck(check: Check, timeoutMs: number): Promise<string | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const ok = await Promise.race([
      Promise.resolve().then(check),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return ok === false ? "not ready" : undefined;
  } catch (e) {
    return ensureError(e).message;
  } finally {
    clearTimeout(timer);
  }
}

/** Serves health, readiness and metrics. */
export class OpsServer {
  private readonly health = new Map<string, Check>();
  private readonly ready = new Map<string, Check>();
  private readonly registry: Registry;
  private readonly log: Logger;
  private readonly address: string | undefined;
  private readonly checkTimeoutMs: number;
  private server: http.Server | undefined;

  constructor(opts: OpsServerOptions = {}) {
    this.address = opts.address;
    this.registry = opts.registry ?? defaultRegistry;
    this.log = opts.logger ?? noopLogger;
    this.checkTimeoutMs = opts.checkTimeoutMs ?? 5000;
    this.health.set("ping", () => true);
  }

  /** Adds a liveness check served on /healthz. */
  addHealthCheck(name: string, check: Check): void {
    this.health.set(name, check);
  }

  /** Adds a readiness check served on /readyz. */
  addReadyCheck(name: string, check: Check): void {
    this.ready.set(name, check);
  }

  /** Starts listening; resolves the bound port, or undefined when disabled. */
  async start(): Promise<number | undefined> {
    const addr = parseListenAddress(this.address);
    if (addr === undefined) return undefined;
    if (this.server !== undefined) return (this.server.address() as AddressInfo).port;
    this.registry.collectDefaultMetrics();
    const server = http.createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        this.log.error({ err: ensureError(e) }, "Ops server request failed");
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(addr.port, addr.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.server = server;
    const port = (server.address() as AddressInfo).port;
    this.log.info({ address: this.address, port }, "Serving health probes and metrics");
    return port;
  }

  /** Stops listening and closes connections. */
  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s === undefined) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD" }).end();
      return;
    }
    switch (url.pathname) {
      case "/metrics":
        res.writeHead(200, { "Content-Type": Registry.contentType }).end(await this.registry.render());
        return;
      case "/healthz":
      case "/livez":
        return this.probe(this.health, url, res);
      case "/readyz":
        return this.probe(new Map([...this.health, ...this.ready]), url, res);
      default:
        res.writeHead(404, { "Content-Type": "text/plain" }).end("not found\n");
    }
  }

  private async probe(checks: Map<string, Check>, url: URL, res: http.ServerResponse): Promise<void> {
    const results = await Promise.all([...checks].map(async ([name, c]) => [name, await runCheck(c, this.checkTimeoutMs)] as const));
    const failed = results.filter(([, r]) => r !== undefined);
    const verbose = url.searchParams.has("verbose");
    const lines = results
      .filter(([, r]) => verbose || r !== undefined)
      .map(([name, r]) => (r === undefined ? `[+]${name} ok` : `[-]${name} failed: ${r}`));
    const ok = failed.length === 0;
    const body = ok ? (verbose ? `${lines.join("\n")}\nok\n` : "ok\n") : `${lines.join("\n")}\nfailed\n`;
    res.writeHead(ok ? 200 : 500, { "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff" }).end(body);
  }
}
