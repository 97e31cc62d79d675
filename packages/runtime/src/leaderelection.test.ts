import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeApiServer } from "./fake-apiserver.js";
import { LeaderElector, LeaseResource, microTime, type Lease } from "./leaderelection.js";

let api: FakeApiServer;
beforeAll(async () => {
  api = await FakeApiServer.start();
});
afterAll(async () => {
  await api.close();
});

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

const timing = { leaseDurationMs: 1000, renewDeadlineMs: 600, retryPeriodMs: 100 };

function candidate(name: string, identity: string, extra: { releaseOnCancel?: boolean } = {}) {
  const state = { leading: false, started: 0, stopped: 0, leaderSignal: undefined as AbortSignal | undefined };
  const client = api.client();
  const el = new LeaderElector({
    client,
    namespace: "kube-system",
    name,
    identity,
    ...timing,
    ...extra,
    onStartedLeading: (signal) => {
      state.leading = true;
      state.started++;
      state.leaderSignal = signal;
    },
    onStoppedLeading: () => {
      state.leading = false;
      state.stopped++;
    },
  });
  const ac = new AbortController();
  const done = el.run(ac.signal);
  return { el, state, ac, done, client };
}

describe("microTime", () => {
  it("has six fractional digits", () => {
    expect(microTime(Date.UTC(2026, 0, 2, 3, 4, 5, 678))).toBe("2026-01-02T03:04:05.678000Z");
  });
});

describe("LeaderElector", () => {
  it("elects one leader; the other takes over right after a release", async () => {
    const a = candidate("le-release", "a");
    await until(() => a.state.leading);
    const b = candidate("le-release", "b");
    await new Promise((r) => setTimeout(r, 300));
    expect(b.state.leading).toBe(false);
    expect(b.el.getLeader()).toBe("a");
    expect(a.el.isLeader()).toBe(true);

    const released = Date.now();
    a.ac.abort();
    await a.done;
    expect(a.state.stopped).toBe(1);
    expect(a.state.leaderSignal?.aborted).toBe(true);
    const lease = api.objects(LeaseResource).find((l) => l.metadata?.name === "le-release") as Lease;
    // Released: no longer "a" (b may already hold it).
    expect(lease.spec?.holderIdentity).not.toBe("a");
    await until(() => b.state.leading);
    expect(Date.now() - released).toBeLessThan(timing.leaseDurationMs);
    const after = api.objects(LeaseResource).find((l) => l.metadata?.name === "le-release") as Lease;
    expect(after.spec).toMatchObject({ holderIdentity: "b", leaseTransitions: 1, leaseDurationSeconds: 1 });
    b.ac.abort();
    await b.done;
    a.client.close();
    b.client.close();
  });

  it("takes over an expired lease whose holder stopped renewing", async () => {
    const a = candidate("le-expire", "a", { releaseOnCancel: false });
    await until(() => a.state.leading);
    const b = candidate("le-expire", "b");
    await new Promise((r) => setTimeout(r, 200));
    a.ac.abort();
    await a.done;
    const stoppedAt = Date.now();
    await until(() => b.state.leading, 5000);
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(timing.leaseDurationMs - 350);
    b.ac.abort();
    await b.done;
    a.client.close();
    b.client.close();
  });

  it("steps down when it cannot renew within the deadline", async () => {
    const a = candidate("le-lose", "a");
    await until(() => a.state.leading);
    api.failNext({ method: "PUT", pathIncludes: "/leases/le-lose" }, 500, { count: 1000 });
    await a.done;
    expect(a.state.stopped).toBe(1);
    expect(a.el.isLeader()).toBe(false);
    expect(a.state.leaderSignal?.aborted).toBe(true);
    api.clearFaults();
    a.client.close();
  });

  it("validates its timing", () => {
    const client = api.client();
    const base = { client, namespace: "x", name: "y", onStartedLeading: () => {} };
    expect(() => new LeaderElector({ ...base, leaseDurationMs: 10, renewDeadlineMs: 10 })).toThrow(/leaseDuration/);
    expect(() => new LeaderElector({ ...base, renewDeadlineMs: 2000, retryPeriodMs: 2000 })).toThrow(/renewDeadline/);
    expect(new LeaderElector(base).identity).toMatch(/_/);
  });
});
