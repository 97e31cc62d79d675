import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NoKindMatchError, RestMapper } from "./discovery.js";
import { FakeApiServer } from "./fake-apiserver.js";


let api: FakeApiServer;
beforeAll(async () => {
  api = await FakeApiServer.start();
});
afterAll(async () => {
  await api.close();
});

describe("RestMapper", () => {
  for (const aggregated of [true, false]) {
    describe(aggregated ? "aggregated discovery" : "per-group discovery", () => {
      it("resolves core and group kinds, caches, and rate-limits refreshes on a miss", async () => {
        api.aggregatedDiscovery = aggregated;
        const group = aggregated ? "agg.example.com" : "legacy.example.com";
        const gv = `${group}/v1`;
        let now = 0;
        const client = api.client();
        const m = new RestMapper(client, { minRefreshIntervalMs: 3000, now: () => now });
        expect(await m.resolve("v1", "ConfigMap")).toEqual({ group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: true });
        expect(await m.resolve("v1", "Namespace")).toMatchObject({ resource: "namespaces", namespaced: false });
        expect(await m.resolveObject({ apiVersion: "coordination.k8s.io/v1", kind: "Lease" })).toMatchObject({ resource: "leases" });
        const before = client.stats().total;
        await m.resolve("v1", "ConfigMap");
        expect(client.stats().total).toBe(before);

        await expect(m.resolve(gv, "Widget")).rejects.toThrow(NoKindMatchError);
        await expect(m.resolve(gv, "Widget")).rejects.toThrow(`no matches for kind "Widget" in version "${gv}"`);
        const afterMiss = client.stats().total;
        api.addResource({ group, version: "v1", resource: "widgets", kind: "Widget", namespaced: true });
        // within the rate limit: no new discovery request, still a miss
        await expect(m.resolve(gv, "Widget")).rejects.toThrow(NoKindMatchError);
        expect(client.stats().total).toBe(afterMiss);
        now += 3000;
        expect(await m.resolve(gv, "Widget")).toMatchObject({ resource: "widgets" });
        client.close();
      });
    });
  }

  it("invalidate() lifts the rate limit", async () => {
    api.aggregatedDiscovery = true;
    const client = api.client();
    const m = new RestMapper(client, { minRefreshIntervalMs: 60_000 });
    await expect(m.resolve("late.example.com/v1", "Late")).rejects.toThrow(NoKindMatchError);
    api.addResource({ group: "late.example.com", version: "v1", resource: "lates", kind: "Late", namespaced: false });
    await expect(m.resolve("late.example.com/v1", "Late")).rejects.toThrow(NoKindMatchError);
    m.invalidate();
    expect(await m.resolve("late.example.com/v1", "Late")).toMatchObject({ resource: "lates", namespaced: false });
    client.close();
  });

  it("coalesces concurrent refreshes", async () => {
    api.aggregatedDiscovery = true;
    const client = api.client();
    const m = new RestMapper(client);
    await Promise.all([m.resolve("v1", "ConfigMap"), m.resolve("v1", "Namespace"), m.resolve("v1", "Event")]);
    expect(client.stats().GET).toBe(2);
    await expect(m.resolveObject({ kind: "X" })).rejects.toThrow(/no apiVersion/);
    client.close();
  });
});
