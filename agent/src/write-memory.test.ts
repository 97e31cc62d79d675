import { describe, expect, it } from "vitest";
import type { KubeObject } from "@work-api/api";
import { Informer, type ListerWatcher, type WatchEvent } from "@work-api/runtime";
import { WriteMemory } from "./write-memory.js";

const CM = { group: "", version: "v1", resource: "configmaps", namespaced: true, kind: "ConfigMap" };
const cm = (name: string, rv: string): KubeObject => ({ metadata: { name, namespace: "ns", resourceVersion: rv } });

/** One list, then one watch that plays `events` and hangs. */
function source(items: KubeObject[], listRv: string, events: WatchEvent[]): ListerWatcher<KubeObject> & { emit: (ev: WatchEvent) => void } {
  const queue = [...events];
  let wake: (() => void) | undefined;
  return {
    emit: (ev) => {
      queue.push(ev);
      wake?.();
    },
    list: async () => ({ items, resourceVersion: listRv }),
    watch: ({ signal }) =>
      (async function* () {
        for (;;) {
          while (queue.length > 0) yield queue.shift()!;
          await new Promise<void>((resolve) => {
            wake = resolve;
            signal.addEventListener("abort", () => resolve(), { once: true });
          });
          if (signal.aborted) return;
        }
      })(),
  };
}

async function until(cond: () => boolean): Promise<void> {
  const end = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("WriteMemory over a real Informer", () => {
  it("reads the agent's own newer write until the informer catches up", async () => {
    const lw = source([cm("a", "10")], "10", []);
    const inf = new Informer<KubeObject>(undefined, CM, { listerWatcher: lw });
    const mem = new WriteMemory<KubeObject>(() => inf.lastSyncResourceVersion());
    inf.start();
    await inf.waitForSync();
    mem.remember("ns/a", cm("a", "15"));
    expect(mem.pick("ns/a", inf.get("ns/a"))?.metadata?.resourceVersion).toBe("15");
    lw.emit({ type: "MODIFIED", object: cm("a", "15") });
    await until(() => inf.get("ns/a")?.metadata?.resourceVersion === "15");
    expect(mem.pick("ns/a", inf.get("ns/a"))?.metadata?.resourceVersion).toBe("15");
    expect(mem.size).toBe(0);
    await inf.stop();
  });

  it("drops a remembered write once the informer has passed its resourceVersion, even if it never saw the object", async () => {
    // The agent wrote "b" at rv 15; it was deleted before the informer's watch delivered it: the informer only sees a bookmark at 20.
    const lw = source([], "10", []);
    const inf = new Informer<KubeObject>(undefined, CM, { listerWatcher: lw });
    const mem = new WriteMemory<KubeObject>(() => inf.lastSyncResourceVersion());
    inf.start();
    await inf.waitForSync();
    mem.remember("ns/b", cm("b", "15"));
    expect(mem.pick("ns/b", inf.get("ns/b"))).toBeDefined();
    lw.emit({ type: "BOOKMARK", object: cm("", "20") });
    await until(() => inf.lastSyncResourceVersion() === "20");
    expect(mem.pick("ns/b", inf.get("ns/b"))).toBeUndefined();
    expect(mem.size).toBe(0);
    await inf.stop();
  });
});
