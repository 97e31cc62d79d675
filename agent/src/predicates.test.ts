import { describe, expect, it } from "vitest";
import type { Work } from "@work-api/api";
import { workChanged } from "./predicates.js";

const w = (rv: string, gen: number, extra: Partial<Work["metadata"]> = {}, status?: Work["status"]): Work => ({
  apiVersion: "multicluster.x-k8s.io/v1alpha1",
  kind: "Work",
  metadata: { name: "w", namespace: "c", resourceVersion: rv, generation: gen, ...extra },
  spec: {},
  ...(status ? { status } : {}),
});

describe("workChanged", () => {
  it("ignores the agent's own status update", () => {
    expect(workChanged(w("1", 1), w("2", 1, {}, { conditions: [] }))).toBe(false);
  });

  it("reconciles on a spec change, a deletion, a finalizer or label change, and a resync", () => {
    expect(workChanged(w("1", 1), w("2", 2))).toBe(true);
    expect(workChanged(w("1", 1), w("2", 1, { deletionTimestamp: "now" }))).toBe(true);
    expect(workChanged(w("1", 1), w("2", 1, { finalizers: [] }))).toBe(true);
    expect(workChanged(w("1", 1), w("2", 1, { labels: { a: "b" } }))).toBe(true);
    const same = w("1", 1);
    expect(workChanged(same, same)).toBe(true);
  });
});
