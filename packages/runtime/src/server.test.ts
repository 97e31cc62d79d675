import { afterEach, describe, expect, it } from "vitest";
import { Registry } from "./metrics.js";
import { OpsServer, parseListenAddress } from "./server.js";

let server: OpsServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function get(port: number, path: string): Promise<{ status: number; body: string; type: string | null }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text(), type: res.headers.get("content-type") };
}

describe("parseListenAddress", () => {
  it("parses host:port forms and treats empty and 0 as disabled", () => {
    expect(parseListenAddress("")).toBeUndefined();
    expect(parseListenAddress("0")).toBeUndefined();
    expect(parseListenAddress(undefined)).toBeUndefined();
    expect(parseListenAddress(":8080")).toEqual({ host: undefined, port: 8080 });
    expect(parseListenAddress("127.0.0.1:0")).toEqual({ host: "127.0.0.1", port: 0 });
    expect(parseListenAddress("[::1]:9090")).toEqual({ host: "::1", port: 9090 });
    expect(() => parseListenAddress("8080")).toThrow(/invalid listen address/);
    expect(() => parseListenAddress("h:99999")).toThrow(/invalid port/);
  });
});

describe("OpsServer", () => {
  it("is disabled for an empty address", async () => {
    server = new OpsServer({ address: "" });
    expect(await server.start()).toBeUndefined();
  });

  it("serves healthz, readyz with pluggable checks, and metrics", async () => {
    const registry = new Registry();
    registry.counter({ name: "things_total", help: "Things." }).inc();
    server = new OpsServer({ address: "127.0.0.1:0", registry, checkTimeoutMs: 50 });
    let synced = false;
    server.addReadyCheck("informers", () => synced);
    const port = (await server.start()) as number;
    expect(port).toBeGreaterThan(0);

    expect(await get(port, "/healthz")).toMatchObject({ status: 200, body: "ok\n" });
    const notReady = await get(port, "/readyz");
    expect(notReady.status).toBe(500);
    expect(notReady.body).toContain("[-]informers failed: not ready");
    synced = true;
    expect((await get(port, "/readyz")).status).toBe(200);
    expect((await get(port, "/readyz?verbose")).body).toContain("[+]informers ok");

    server.addReadyCheck("throws", () => {
      throw new Error("cache broken");
    });
    server.addReadyCheck("slow", () => new Promise<boolean>(() => {}));
    const bad = await get(port, "/readyz");
    expect(bad.body).toContain("[-]throws failed: cache broken");
    expect(bad.body).toContain("[-]slow failed: timed out");

    const metrics = await get(port, "/metrics");
    expect(metrics.status).toBe(200);
    expect(metrics.type).toContain("text/plain; version=0.0.4");
    expect(metrics.body).toContain("things_total 1");
    // A served registry has prom-client's process and Node.js metrics.
    expect(metrics.body).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(metrics.body).toContain("# TYPE nodejs_eventloop_lag_seconds gauge");
    expect((await get(port, "/nope")).status).toBe(404);
  });
});
