/**
 * Hung watches on real API servers: a watch that stops delivering (the
 * server frozen with SIGSTOP; a half-open connection, here a proxy that stops
 * forwarding without closing anything) is noticed after the informer's idle
 * timeout (no event and no bookmark) and restarted, and the cache catches up
 * once the server answers again. The agent's default idle timeout is 90 s
 * (the API server sends a bookmark about every minute); the tests use 3 s.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Informer, KubeClient } from "@work-api/runtime";
import { clients, hubKubeconfig, testNamespace, waitFor } from "./env.js";
import { BlackholeProxy, kubeconfigVia, serverOf, startPrivateCluster, type PrivateCluster } from "./fault-plane.js";

const IDLE_MS = 3_000;
const CM = { group: "", version: "v1", resource: "configmaps", namespaced: true, kind: "ConfigMap" };

function clientVia(kubeconfig: string, server?: string): KubeClient {
  return KubeClient.fromFile(server ? kubeconfigVia(kubeconfig, server) : kubeconfig);
}

async function createCm(c: ReturnType<typeof clients>, namespace: string, name: string): Promise<void> {
  await c.core.createNamespacedConfigMap({ namespace, body: { metadata: { name }, data: { a: "1" } } });
}

describe("hung watch: half-open connection", () => {
  const ns = testNamespace("hung-watch");
  let proxy: BlackholeProxy;
  let informer: Informer;
  let client: KubeClient;

  beforeAll(async () => {
    proxy = new BlackholeProxy(serverOf(hubKubeconfig()));
    await proxy.listen();
    client = clientVia(hubKubeconfig(), `https://127.0.0.1:${proxy.port}`);
    informer = new Informer(client, CM, { namespace: ns, watchIdleTimeoutMs: IDLE_MS });
    informer.start();
    await informer.waitForSync();
  });

  afterAll(async () => {
    await informer?.stop();
    client?.close();
    await proxy?.close();
  });

  it("is restarted after the idle timeout and catches up once bytes flow again", async () => {
    const hub = clients(hubKubeconfig());
    await createCm(hub, ns, "before");
    await waitFor(() => informer.get(`${ns}/before`) !== undefined, { intervalMs: 10, message: "event before the blackhole" });
    const lastEvent = Date.now();
    const restarts = informer.stats().idleRestarts;
    proxy.blackholed = true;
    const t0 = Date.now();
    await createCm(hub, ns, "during");
    await waitFor(() => informer.stats().idleRestarts > restarts, { timeoutMs: IDLE_MS * 4, intervalMs: 50, message: "idle watch restarted" });
    const noticedMs = Date.now() - t0;
    expect(informer.get(`${ns}/during`)).toBeUndefined();
    proxy.blackholed = false;
    await waitFor(() => informer.get(`${ns}/during`) !== undefined, { timeoutMs: IDLE_MS * 4, message: "event delivered after the connection healed" });
    // The idle clock runs from the last event (just before the blackhole): not earlier than that.
    expect(t0 + noticedMs - lastEvent).toBeGreaterThanOrEqual(IDLE_MS - 50);
    console.info(`[fault] half-open watch noticed after ${noticedMs} ms (idle timeout ${IDLE_MS} ms)`);
  });
});

describe("hung watch: frozen API server", () => {
  let hub: PrivateCluster;
  let informer: Informer;
  let client: KubeClient;
  const ns = "frozen-watch";

  beforeAll(async () => {
    hub = await startPrivateCluster("hubwatch", "hub");
    await hub.clients.core.createNamespace({ body: { metadata: { name: ns } } });
    client = clientVia(hub.kubeconfig);
    informer = new Informer(client, CM, { namespace: ns, watchIdleTimeoutMs: IDLE_MS });
    informer.start();
    await informer.waitForSync();
  }, 180_000);

  afterAll(async () => {
    await informer?.stop();
    client?.close();
    await hub?.stop();
  });

  it("is restarted while the server is frozen, with capped reconnects, and resumes when it thaws", async () => {
    const restarts = informer.stats().idleRestarts;
    const watches = informer.stats().watches;
    hub.cluster.freezeComponent("kube-apiserver");
    const t0 = Date.now();
    try {
      await waitFor(() => informer.stats().idleRestarts > restarts, { timeoutMs: IDLE_MS * 4, intervalMs: 50, message: "idle watch restarted while frozen" });
      const noticedMs = Date.now() - t0;
      // Frozen for a while: each new watch hangs too and is given up after the idle timeout; no busy loop.
      await waitFor(() => Date.now() - t0 > IDLE_MS * 4, { timeoutMs: IDLE_MS * 6 });
      const started = informer.stats().watches - watches;
      expect(started).toBeGreaterThanOrEqual(2);
      expect(started).toBeLessThanOrEqual(6);
      console.info(`[fault] frozen API server: watch restarted after ${noticedMs} ms, ${started} watches in ${Date.now() - t0} ms`);
    } finally {
      hub.cluster.thawComponent("kube-apiserver");
    }
    await createCm(hub.clients, ns, "after-thaw");
    await waitFor(() => informer.get(`${ns}/after-thaw`) !== undefined, { timeoutMs: IDLE_MS * 4, message: "event after the thaw" });
  }, 120_000);

  it("reconnects within the 5 s backoff cap once a server stopped for 30 s is back", async () => {
    const failures = informer.stats().failures;
    await hub.cluster.stopComponent("kube-apiserver", { graceMs: 2_000 });
    try {
      await waitFor(() => informer.stats().failures > failures, { timeoutMs: IDLE_MS * 4, message: "watch failed" });
      // Long enough that an uncapped (or 30 s capped) doubling backoff would wait well over 10 s.
      await new Promise((r) => setTimeout(r, 30_000));
    } finally {
      await hub.cluster.startComponent("kube-apiserver");
    }
    const back = Date.now();
    await createCm(hub.clients, ns, "after-restart");
    await waitFor(() => informer.get(`${ns}/after-restart`) !== undefined, { timeoutMs: 30_000, intervalMs: 50, message: "event after the restart" });
    const caughtUpMs = Date.now() - back;
    const attempts = informer.stats().failures - failures;
    console.info(`[fault] API server stopped 30 s: ${attempts} failed attempts, caught up ${caughtUpMs} ms after it was back`);
    // 5 s cap + 20 % jitter + the relist.
    expect(caughtUpMs).toBeLessThan(8_000);
    expect(attempts).toBeGreaterThanOrEqual(6);
  }, 120_000);
});
