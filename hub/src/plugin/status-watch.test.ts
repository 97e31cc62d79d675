import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { WorkResource, type KubeObject, type Work } from "@work-api/api";
import { FakeApiServer, KubeApiError } from "@work-api/runtime";
import { appliedWork, cond, failedWork } from "./fixtures.test-util.js";
import { kubeconfigFor, start, tmp } from "./harness.test-util.js";
import { isFatalWatchError } from "./watch.js";

let fake: FakeApiServer;
let kc: string;

beforeAll(async () => {
  fake = await FakeApiServer.start([WorkResource]);
  kc = kubeconfigFor(fake.url, "spoke1");
});

afterAll(async () => {
  await fake.close();
  rmSync(tmp, { recursive: true, force: true });
});

const current = (name: string): Work => fake.objects(WorkResource).find((o) => o.metadata?.name === name) as unknown as Work;
const put = (w: Work): void => void fake.put(WorkResource, w as unknown as KubeObject);
const count = (text: string, what: string): number => text.split(what).length - 1;
const until = (fn: () => boolean, what: string): Promise<void> => vi.waitFor(() => expect(fn(), what).toBe(true), { timeout: 5_000, interval: 5 });

/** The Work `name` with its Applied condition set to `status` (a status update, as the agent writes). */
function withApplied(name: string, status: "True" | "False", message: string): Work {
  const w = structuredClone(current(name));
  w.status = { ...w.status, conditions: [cond("Applied", status, status === "True" ? "AppliedWorkComplete" : "AppliedWorkFailed", message, 1, w.metadata.generation)] };
  return w;
}

describe("kubectl work status -w", () => {
  it("prints the status, again on every change it shows, through reconnects and a 410, until the Work is deleted", async () => {
    put(appliedWork("web", "spoke1"));
    const r = start(["status", "web", "-w", "--kubeconfig", kc]);
    await until(() => count(r.out(), "Work:") === 1, "initial status");
    expect(r.out()).toMatch(/^Work: {8}web\n/);

    put(withApplied("web", "False", "manifest 1 broke"));
    await until(() => count(r.out(), "Work:") === 2, "printed after a status change");
    expect(r.out()).toMatch(/\n\n── 2026-03-01T12:00:00Z ──\nWork: {8}web\n[^]*Applied +False +AppliedWorkFailed +\S+ +manifest 1 broke\n/);

    // A label edit shows nothing new: not printed. The status change after it is.
    const labelled = structuredClone(current("web"));
    labelled.metadata.labels = { team: "a" };
    put(labelled);
    put(withApplied("web", "True", "fixed"));
    await until(() => count(r.out(), "Work:") === 3, "printed after the next change");
    expect(r.out()).toMatch(/Applied +True +AppliedWorkComplete +\S+ +fixed\n[^]*$/);

    // The connection is cut (a load balancer, a restart): it reconnects from where it was.
    fake.dropWatches();
    await until(() => fake.watchCount === 1, "watching again");
    put(withApplied("web", "False", "after the reconnect"));
    await until(() => count(r.out(), "Work:") === 4, "printed after a reconnect");

    // Its resourceVersion expired (410): it reads the Work again and goes on.
    fake.compact();
    fake.expireWatches();
    await until(() => fake.watchCount === 1 && fake.requests.filter((q) => q.method === "GET" && q.query.watch === undefined).length >= 2, "re-read after a 410");
    put(withApplied("web", "True", "after the 410"));
    await until(() => count(r.out(), "Work:") === 5, "printed after a 410");
    expect(r.out()).toMatch(/after the 410\n[^]*$/);

    fake.remove(WorkResource, "spoke1", "web");
    expect(await r.done).toBe(0);
    expect(r.out()).toMatch(/\n── \S+ ──\nWork "web" in namespace "spoke1" was deleted\.\n$/);
    expect(count(r.out(), "Work:")).toBe(5);
  });

  it("-o json prints one document a line; Ctrl-C ends it with exit 0", async () => {
    put(failedWork("db", "spoke1"));
    const r = start(["status", "db", "-n", "spoke1", "-o", "json", "--watch", "--kubeconfig", kc]);
    await until(() => r.out().split("\n").length === 2, "initial document");
    put(withApplied("db", "True", "better"));
    await until(() => r.out().split("\n").length === 3, "second document");
    const docs = r.out().trimEnd().split("\n").map((l) => JSON.parse(l));
    expect(docs.map((d) => [d.work.name, d.conditions[0].status])).toEqual([
      ["db", "False"],
      ["db", "True"],
    ]);
    r.interrupt();
    expect(await r.done).toBe(0);
    expect(r.err()).toBe("");
  });

  it("says on stderr, under json, that the Work was deleted and re-created (another uid)", async () => {
    put(appliedWork("cache", "spoke1"));
    const r = start(["status", "cache", "-o", "json", "-w", "--kubeconfig", kc]);
    await until(() => r.out().split("\n").length === 2, "initial document");
    // While it cannot watch, the Work is deleted and re-created, and the history is compacted:
    // it finds out from a 410 and a read that the Work it followed is gone.
    fake.failNext({ method: "GET", pathIncludes: "/namespaces/spoke1/works" }, 500, { count: 1_000 });
    fake.dropWatches();
    await until(() => r.err().includes("watch interrupted"), "watch failing");
    const again = appliedWork("cache", "spoke1");
    again.metadata.uid = "another-uid";
    fake.remove(WorkResource, "spoke1", "cache");
    put(again);
    fake.compact();
    fake.clearFaults();
    expect(await r.done).toBe(0);
    expect(r.err()).toMatch(/\nkubectl work: Work "cache" in namespace "spoke1" was deleted\n$/);
    expect(r.out().split("\n")).toHaveLength(2);
    // Found by the read after the 410, not by an event.
    expect(fake.requests.at(-1)).toMatchObject({ method: "GET", path: "/apis/multicluster.x-k8s.io/v1alpha1/namespaces/spoke1/works/cache", query: {} });
  });

  it("keeps retrying a failing watch, saying so once, and stops on Ctrl-C", async () => {
    put(appliedWork("flaky", "spoke1"));
    const r = start(["status", "flaky", "-w", "--kubeconfig", kc]);
    await until(() => count(r.out(), "Work:") === 1, "initial status");
    fake.failNext({ pathIncludes: "/works" }, 500, { count: 3 });
    fake.failNext({ pathIncludes: "/works" }, 503, { count: 3 });
    fake.dropWatches();
    await until(() => r.err().includes("watch interrupted"), "retry note");
    await until(() => fake.watchCount === 1, "reconnected");
    put(withApplied("flaky", "False", "seen after the failures"));
    await until(() => count(r.out(), "Work:") === 2, "printed after the failures");
    // Seven failed attempts (the cut, then six errors), noted once; and once that it works again.
    expect(r.err()).toMatch(/^kubectl work: watch interrupted \([^)]*\); reconnecting in \d+\.\ds\nkubectl work: watching again\n$/);
    r.interrupt();
    expect(await r.done).toBe(0);
  });

  it("exits 1 without watching when the Work is not there, and on an error no reconnect mends", async () => {
    const missing = start(["status", "nope", "-w", "--kubeconfig", kc]);
    expect(await missing.done).toBe(1);
    expect(missing.err()).toMatch(/^kubectl work: Work "nope" not found in namespace "spoke1"; Works live in their cluster's namespace: pass -n CLUSTER\n$/);
    expect(isFatalWatchError(new KubeApiError({ statusCode: 403 }))).toBe(true);
    expect(isFatalWatchError(new KubeApiError({ statusCode: 404, status: { kind: "Status", code: 404, details: { name: "x" } } }))).toBe(false);
    expect(isFatalWatchError(new KubeApiError({ statusCode: 500 }))).toBe(false);
  });
});
