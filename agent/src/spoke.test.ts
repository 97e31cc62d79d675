import { describe, expect, it } from "vitest";
import type { KubeClient } from "@work-api/runtime";
import { noopLogger } from "@work-api/runtime";
import { SpokeCache } from "./spoke.js";

const cm = { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: true };

/** A client whose first full list never answers (until aborted) and whose later lists are empty. */
function flakyClient(): { client: KubeClient; lists: () => number } {
  let listAlls = 0;
  const waitAbort = (signal?: AbortSignal): Promise<never> =>
    new Promise((_, reject) => signal?.addEventListener("abort", () => reject(signal.reason as Error), { once: true }));
  const client = {
    list: async () => ({ items: [], resourceVersion: "1" }),
    listAll: async (_ref: unknown, opts: { signal?: AbortSignal }) => {
      listAlls++;
      if (listAlls === 1) return waitAbort(opts.signal);
      return { items: [], resourceVersion: "1" };
    },
    watch: async function* (_ref: unknown, opts: { signal?: AbortSignal }) {
      await waitAbort(opts.signal).catch(() => undefined);
      yield* [];
    },
  } as unknown as KubeClient;
  return { client, lists: () => listAlls };
}

describe("SpokeCache", () => {
  it("starts a kind's cache over after its first sync timed out, instead of failing every later read", async () => {
    const { client, lists } = flakyClient();
    const cache = new SpokeCache({ client, mapper: { resolve: async () => cm, resolveGroupKind: async () => cm, invalidate: () => undefined }, labelSelector: "a=b", log: noopLogger, onChange: () => undefined, syncTimeoutMs: 50 });
    await expect(cache.get(cm, "ns", "x")).rejects.toThrow();
    await expect(cache.get(cm, "ns", "x")).resolves.toBeUndefined();
    expect(lists()).toBeGreaterThanOrEqual(2);
    await cache.stop();
  });
});
