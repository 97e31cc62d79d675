import { describe, expect, it } from "vitest";
import type { Work } from "@work-api/api";
import { noopLogger, type KubeClient } from "@work-api/runtime";
import { HubUnreachableError, HubWorkCache } from "./hub.js";

const work: Work = { apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "Work", metadata: { name: "w", namespace: "c1", resourceVersion: "5" }, spec: { workload: { manifests: [] } } };

/** A client whose patch is scripted; the informer is never started. */
function client(patch: () => Promise<unknown>): { c: KubeClient; calls: () => number } {
  let calls = 0;
  const c = {
    patch: async () => {
      calls++;
      return patch();
    },
  } as unknown as KubeClient;
  return { c, calls: () => calls };
}

describe("HubWorkCache and the hub's reachability", () => {
  it("sends nothing while the hub is unreachable, failing at once with HubUnreachableError", async () => {
    const { c, calls } = client(async () => work);
    const cache = new HubWorkCache(c, "c1", 0, noopLogger, { reachable: () => false, failed: () => undefined });
    await expect(cache.patchStatus(work, { conditions: [] })).rejects.toBeInstanceOf(HubUnreachableError);
    await expect(cache.addFinalizer(work, "f")).rejects.toBeInstanceOf(HubUnreachableError);
    expect(calls()).toBe(0);
  });

  it("reports a failed request to the monitor and rethrows it", async () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    const { c, calls } = client(() => Promise.reject(refused));
    const seen: unknown[] = [];
    const cache = new HubWorkCache(c, "c1", 0, noopLogger, { reachable: () => true, failed: (e) => void seen.push(e) });
    await expect(cache.patchStatus(work, { conditions: [] })).rejects.toBe(refused);
    expect(calls()).toBe(1);
    expect(seen).toEqual([refused]);
  });
});
