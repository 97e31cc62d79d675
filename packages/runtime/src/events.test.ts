import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventRecorder, EventResource } from "./events.js";
import { FakeApiServer } from "./fake-apiserver.js";
import { memoryLogger } from "./logger.js";

let api: FakeApiServer;
beforeAll(async () => {
  api = await FakeApiServer.start();
});
afterAll(async () => {
  await api.close();
});

const work = (name: string) => ({ apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "Work", metadata: { name, namespace: "cluster1", uid: `uid-${name}` } });
const eventsFor = (name: string) => api.objects(EventResource).filter((e) => (e.involvedObject as { name: string }).name === name);

describe("EventRecorder", () => {
  it("creates a core/v1 Event with the involved object and source", async () => {
    const client = api.client();
    const r = new EventRecorder({ client, component: "work-agent", instance: "node-1" });
    r.event(work("w1"), "Normal", "Applied", "applied 3 manifests");
    await r.flush();
    const [ev] = eventsFor("w1");
    expect(ev).toMatchObject({
      type: "Normal",
      reason: "Applied",
      message: "applied 3 manifests",
      count: 1,
      involvedObject: { kind: "Work", name: "w1", namespace: "cluster1", uid: "uid-w1", apiVersion: "multicluster.x-k8s.io/v1alpha1" },
      source: { component: "work-agent", host: "node-1" },
      reportingComponent: "work-agent",
    });
    expect(ev?.metadata?.namespace).toBe("cluster1");
    expect(ev?.metadata?.name).toMatch(/^w1\.[0-9a-f]+$/);
    client.close();
  });

  it("aggregates repeats into one Event with a growing count", async () => {
    const client = api.client();
    const r = new EventRecorder({ client, component: "c" });
    for (let i = 0; i < 5; i++) r.event(work("w2"), "Warning", "ApplyFailed", "boom");
    r.event(work("w2"), "Warning", "ApplyFailed", "different message");
    await r.flush();
    const evs = eventsFor("w2");
    expect(evs).toHaveLength(2);
    expect(evs.find((e) => e.message === "boom")?.count).toBe(5);
    client.close();
  });

  it("starts a new Event after the window, or when the old one is gone", async () => {
    const client = api.client();
    const r = new EventRecorder({ client, component: "c", aggregationWindowMs: 0 });
    r.event(work("w3"), "Normal", "R", "m");
    await r.flush();
    await new Promise((res) => setTimeout(res, 5));
    r.event(work("w3"), "Normal", "R", "m");
    await r.flush();
    expect(eventsFor("w3")).toHaveLength(2);

    const r2 = new EventRecorder({ client, component: "c" });
    r2.event(work("w4"), "Normal", "R", "m");
    await r2.flush();
    const first = eventsFor("w4")[0];
    api.remove(EventResource, "cluster1", first?.metadata?.name as string);
    r2.event(work("w4"), "Normal", "R", "m");
    await r2.flush();
    expect(eventsFor("w4")).toHaveLength(1);
    expect(eventsFor("w4")[0]?.count).toBe(2);
    client.close();
  });

  it("puts events about cluster-scoped objects in default and truncates long messages", async () => {
    const client = api.client();
    const r = new EventRecorder({ client, component: "c" });
    r.event({ apiVersion: "v1", kind: "Namespace", metadata: { name: "ns-x" } }, "Normal", "R", "x".repeat(5000));
    await r.flush();
    const [ev] = eventsFor("ns-x");
    expect(ev?.metadata?.namespace).toBe("default");
    expect((ev?.message as string).length).toBe(1024);
    client.close();
  });

  it("never throws; logs failed writes and bad input", async () => {
    const client = api.client();
    const logger = memoryLogger();
    const r = new EventRecorder({ client, component: "c", logger });
    api.failNext({ method: "POST", pathIncludes: "/events" }, 403);
    expect(() => r.event(work("w5"), "Normal", "R", "m")).not.toThrow();
    expect(() => r.event({ metadata: {} }, "Normal", "R", "m")).not.toThrow();
    await r.flush();
    expect(logger.entries.map((e) => e.msg)).toEqual(expect.arrayContaining(["Failed to write event", "Failed to record event"]));
    client.close();
  });
});
