import { describe, expect, it } from "vitest";
import type { Work } from "@work-api/api";
import { actorOf, executorUser, userOfExecutorFlag } from "./executor.js";

const work = (spec: Record<string, unknown>): Work => ({ apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "Work", metadata: { name: "w", namespace: "c1" }, spec });

describe("executorUser", () => {
  it("is the Work's executor ServiceAccount, else the default executor, else the agent itself", () => {
    expect(executorUser(work({ executor: { subject: { type: "ServiceAccount", serviceAccount: { namespace: "team-a", name: "deployer" } } } }), "system:serviceaccount:work-agent:work-executor")).toBe(
      "system:serviceaccount:team-a:deployer",
    );
    expect(executorUser(work({}), "system:serviceaccount:work-agent:work-executor")).toBe("system:serviceaccount:work-agent:work-executor");
    expect(executorUser(work({}), undefined)).toBeUndefined();
  });

  it("fails closed on a malformed executor: never the default executor, never the agent itself", () => {
    const bad = [
      { subject: { type: "User", serviceAccount: { namespace: "a", name: "b" } } },
      { subject: { type: "ServiceAccount" } },
      { subject: { type: "ServiceAccount", serviceAccount: { namespace: "a" } } },
      { subject: { type: "ServiceAccount", serviceAccount: { namespace: "A:b", name: "c" } } },
      { subject: { type: "ServiceAccount", serviceAccount: { namespace: "a", name: "b:c" } } },
      {},
      "nonsense",
    ];
    for (const executor of bad) {
      const u = executorUser(work({ executor }), "system:serviceaccount:work-agent:work-executor");
      expect(u, JSON.stringify(executor)).toBe("system:serviceaccount:invalid-executor");
    }
    // Not even without a default executor.
    expect(executorUser(work({ executor: { subject: {} } }), undefined)).toBe("system:serviceaccount:invalid-executor");
  });

  it("names the writer in messages, and reads the --default-executor form", () => {
    expect(actorOf("system:serviceaccount:team-a:deployer")).toBe("executor ServiceAccount team-a/deployer");
    expect(actorOf(undefined)).toBe("the agent");
    expect(userOfExecutorFlag("work-agent/work-executor")).toBe("system:serviceaccount:work-agent:work-executor");
    expect(userOfExecutorFlag(undefined)).toBeUndefined();
  });
});
