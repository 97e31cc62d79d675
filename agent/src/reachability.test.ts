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

describe("ReachabilityMonitor", () => {
  it("probes after a request got no answer and calls onRecovered once, when a probe answers", async () => {
    let probes = 0;
    let recovered = 0;
    const changes: boolean[] = [];
    const m = new ReachabilityMonitor({ name: "hub",
      probe: async () => {
        probes++;
        if (probes < 3) throw refused();
      },
      onRecovered: () => recovered++,
      onChange: (up) => changes.push(up),
      intervalMs: 5,
      log: noopLogger,
    });
    m.failed(new KubeApiError({ statusCode: 409 }));
    expect(m.reachable()).toBe(true);
    m.failed(refused());
    m.failed(refused());
    expect(m.reachable()).toBe(false);
    expect(m.unreachableForMs(Date.now() + 1000)).toBeGreaterThanOrEqual(1000);
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (recovered > 0) {
          clearInterval(t);
          resolve();
        }
      }, 2);
    });
    expect(m.reachable()).toBe(true);
    expect(probes).toBe(3);
    expect(recovered).toBe(1);
    expect(changes).toEqual([false, true]);
    await m.stop();
  });

  it("stops probing on stop", async () => {
    let probes = 0;
    const m = new ReachabilityMonitor({ name: "hub", probe: async () => void probes++, onRecovered: () => undefined, intervalMs: 1_000, log: noopLogger });
    m.failed(refused());
    await m.stop();
    expect(probes).toBe(0);
  });
});
