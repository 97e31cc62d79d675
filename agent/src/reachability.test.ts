import { describe, expect, it } from "vitest";
import { KubeApiError, isNoAnswer, noopLogger } from "@work-api/runtime";
import { ReachabilityMonitor } from "./reachability.js";

const refused = (): Error => Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6443"), { code: "ECONNREFUSED" });

describe("isNoAnswer", () => {
  it("is true for no answer and for gateway errors, false for answers that refuse", () => {
    expect(isNoAnswer(refused())).toBe(true);
    expect(isNoAnswer(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" }))).toBe(true);
    expect(isNoAnswer(new KubeApiError({ statusCode: 503 }))).toBe(true);
    expect(isNoAnswer(Object.assign(new Error("self-signed certificate"), { code: "DEPTH_ZERO_SELF_SIGNED_CERT" }))).toBe(false);
    expect(isNoAnswer(new TypeError("a bug"))).toBe(false);
    expect(isNoAnswer(new KubeApiError({ statusCode: 409 }))).toBe(false);
    expect(isNoAnswer(new KubeApiError({ statusCode: 404 }))).toBe(false);
    expect(isNoAnswer(Object.assign(new Error("aborted"), { name: "AbortError" }))).toBe(false);
  });
});

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setTimeout(r, 2));
  if (!cond()) throw new Error("condition not met");
}

function monitor(answers: (Error | undefined)[], intervalMs = 5): { m: ReachabilityMonitor; probes: () => number; recovered: () => number; changes: boolean[] } {
  let probes = 0;
  let recovered = 0;
  const changes: boolean[] = [];
  const m = new ReachabilityMonitor({
    name: "hub",
    probe: async () => {
      const a = answers[Math.min(probes, answers.length - 1)];
      probes++;
      if (a) throw a;
    },
    onRecovered: () => recovered++,
    onChange: (up) => changes.push(up),
    intervalMs,
    log: noopLogger,
  });
  return { m, probes: () => probes, recovered: () => recovered, changes };
}

describe("ReachabilityMonitor", () => {
  it("takes one unanswered request whose probe is answered for no outage", async () => {
    const t = monitor([undefined]);
    t.m.failed(refused());
    await until(() => t.probes() === 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(t.m.reachable()).toBe(true);
    expect(t.changes).toEqual([]);
    expect(t.recovered()).toBe(0);
    await t.m.stop();
  });

  it("is down when the probe gets no answer either, and back (onRecovered once) on the first answer; a 401 is an answer", async () => {
    const t = monitor([refused(), refused(), new KubeApiError({ statusCode: 401 })]);
    t.m.failed(new KubeApiError({ statusCode: 409 }));
    expect(t.probes()).toBe(0);
    t.m.failed(refused());
    t.m.failed(refused());
    await until(() => !t.m.reachable());
    expect(t.m.unreachableForMs(Date.now() + 1000)).toBeGreaterThanOrEqual(1000);
    await until(() => t.recovered() > 0);
    expect(t.m.reachable()).toBe(true);
    expect(t.probes()).toBe(3);
    expect(t.recovered()).toBe(1);
    expect(t.changes).toEqual([false, true]);
    expect(t.m.sinceRecoveryMs()).toBeLessThan(1000);
    await t.m.stop();
  });

  it("is back as soon as another request of the client gets an answer", async () => {
    const t = monitor([refused()], 60_000);
    t.m.failed(refused());
    await until(() => !t.m.reachable());
    t.m.answered();
    expect(t.m.reachable()).toBe(true);
    expect(t.recovered()).toBe(1);
    await t.m.stop();
  });

  it("reports no outage when stopped while checking, and ignores answers after stop", async () => {
    let release: (() => void) | undefined;
    const changes: boolean[] = [];
    let recovered = 0;
    const m = new ReachabilityMonitor({
      name: "spoke",
      probe: (signal) =>
        new Promise<void>((_, reject) => {
          release = () => reject(Object.assign(new Error("aborted"), { name: "AbortError" }));
          signal.addEventListener("abort", () => release?.(), { once: true });
        }),
      onRecovered: () => recovered++,
      onChange: (up) => changes.push(up),
      log: noopLogger,
    });
    m.failed(refused());
    await until(() => release !== undefined);
    await m.stop();
    m.answered();
    expect(changes).toEqual([]);
    expect(recovered).toBe(0);
  });

  it("lets a probe that answers late act on nothing once a newer outage began", async () => {
    // Outage 1: its probe loop is slow; an answer elsewhere ends it; outage 2 starts; outage 1's late answer must not end outage 2.
    let n = 0;
    const late: (() => void)[] = [];
    let recovered = 0;
    const m = new ReachabilityMonitor({
      name: "hub",
      probe: () => {
        n++;
        if (n === 1) return Promise.reject(refused()); // check of outage 1: down
        if (n === 2) return new Promise<void>((resolve) => late.push(resolve)); // outage 1's loop probe: answers late
        return Promise.reject(refused()); // everything of outage 2: no answer
      },
      onRecovered: () => recovered++,
      intervalMs: 1,
      log: noopLogger,
    });
    m.failed(refused());
    await until(() => late.length === 1);
    m.answered();
    expect(recovered).toBe(1);
    m.failed(refused());
    await until(() => !m.reachable());
    late[0]!();
    await new Promise((r) => setTimeout(r, 20));
    expect(m.reachable()).toBe(false);
    expect(recovered).toBe(1);
    await m.stop();
  });

  it("stops probing on stop", async () => {
    const t = monitor([refused()], 60_000);
    t.m.failed(refused());
    await until(() => !t.m.reachable());
    await t.m.stop();
    expect(t.probes()).toBe(1);
  });
});
