import { describe, expect, it } from "vitest";
import type { KubeObject } from "@work-api/api";
import { noopLogger, type KubeClient } from "@work-api/runtime";
import { ObjectInformers, escapeFieldValue } from "./object-informers.js";

const cm = { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: true };

/** A client that lists `items` (recording the selectors) and whose watches wait until aborted. */
function fakeClient(items: KubeObject[]): { client: KubeClient; lists: { namespace?: string; fieldSelector?: string }[]; open: () => number } {
  const lists: { namespace?: string; fieldSelector?: string }[] = [];
  let open = 0;
  const client = {
    listAll: async (_ref: unknown, opts: { namespace?: string; fieldSelector?: string }) => {
      lists.push({ ...(opts.namespace !== undefined ? { namespace: opts.namespace } : {}), ...(opts.fieldSelector !== undefined ? { fieldSelector: opts.fieldSelector } : {}) });
      return { items, resourceVersion: "5" };
    },
    watch: async function* (_ref: unknown, opts: { signal?: AbortSignal }) {
      open++;
      try {
        await new Promise((resolve) => opts.signal?.addEventListener("abort", resolve, { once: true }));
      } finally {
        open--;
      }
      yield* [];
    },
  } as unknown as KubeClient;
  return { client, lists, open: () => open };
}

describe("ObjectInformers", () => {
  it("watches one object by name in its namespace, shares the watch, reports it, and stops with the last holder", async () => {
    const obj = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", namespace: "d", resourceVersion: "4" } };
    const { client, lists, open } = fakeClient([obj]);
    const changes: string[] = [];
    const w = new ObjectInformers({ client, log: noopLogger, onChange: (o) => changes.push(o.metadata?.name ?? "") });
    expect(w.lookup(cm, "d", "x")).toEqual({ known: false });
    const release1 = w.watch(cm, "d", "x");
    const release2 = w.watch(cm, "d", "x");
    await w.informers()[0]!.waitForSync(AbortSignal.timeout(5000));
    expect(lists).toEqual([{ namespace: "d", fieldSelector: "metadata.name=x" }]);
    expect(w.lookup(cm, "d", "x")).toEqual({ known: true, object: obj });
    expect(w.lookup(cm, "d", "y")).toEqual({ known: false });
    expect(changes).toEqual(["x"]);
    release1();
    release1();
    expect(w.size).toBe(1);
    release2();
    expect(w.size).toBe(0);
    await new Promise((r) => setTimeout(r, 50));
    expect(open()).toBe(0);
    await w.stop();
  });

  it("knows an object is absent once its watch has listed", async () => {
    const { client } = fakeClient([]);
    const w = new ObjectInformers({ client, log: noopLogger, onChange: () => undefined });
    w.watch(cm, "d", "gone");
    await w.informers()[0]!.waitForSync(AbortSignal.timeout(5000));
    expect(w.lookup(cm, "d", "gone")).toEqual({ known: true });
    await w.stop();
  });

  it("escapes field selector values", () => {
    expect(escapeFieldValue("a,b=c\\d")).toBe("a\\,b\\=c\\\\d");
  });
});
