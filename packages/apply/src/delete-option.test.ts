import { describe, expect, it } from "vitest";
import { describeDeleteOption, orphanTest, ownerlessTest } from "./delete-option.js";

const id = (over: Partial<{ group: string; resource: string; namespace: string; name: string }> = {}) => ({ group: "", resource: "configmaps", namespace: "team-a", name: "cm", ...over });
const NS = (name: string) => id({ resource: "namespaces", namespace: "", name });
const CRD = (name: string) => id({ group: "apiextensions.k8s.io", resource: "customresourcedefinitions", namespace: "", name });

describe("orphanTest (spec.deleteOption)", () => {
  it("orphans nothing for Foreground or no deleteOption, everything for Orphan", () => {
    expect(orphanTest(undefined)).toBeUndefined();
    expect(orphanTest({ propagationPolicy: "Foreground" })).toBeUndefined();
    expect(orphanTest({})).toBeUndefined();
    expect(orphanTest({ propagationPolicy: "Orphan" })?.(NS("team-a"))).toBe(true);
  });

  it("SelectivelyOrphan matches group, resource (as discovery resolves it), namespace and name exactly; \"\" or absent for the core group and cluster scope", () => {
    const t = orphanTest({
      propagationPolicy: "SelectivelyOrphan",
      selectivelyOrphans: {
        orphaningRules: [
          { resource: "configmaps", namespace: "team-a", name: "cm" },
          { group: "apps", resource: "deployments", namespace: "team-a", name: "web" },
          { group: "", resource: "namespaces", name: "team-a" },
        ],
      },
    })!;
    expect(t(id())).toBe(true);
    expect(t(id({ name: "cm2" }))).toBe(false);
    expect(t(id({ namespace: "team-b" }))).toBe(false);
    expect(t(id({ group: "apps", resource: "deployments", name: "web" }))).toBe(true);
    expect(t(id({ group: "extensions", resource: "deployments", name: "web" }))).toBe(false);
    expect(t(NS("team-a"))).toBe(true);
    // A rule with a namespace does not match the cluster-scoped object of that name.
    expect(t(NS("cm"))).toBe(false);
    // An entry whose resource is not resolved yet matches nothing.
    expect(t(id({ resource: "" }))).toBe(false);
  });
});

describe("ownerlessTest: objects applied without the AppliedWork ownerReference", () => {
  it("is the orphaned objects plus the Namespaces and CRDs that would take them along", () => {
    expect(ownerlessTest(undefined)).toBeUndefined();
    expect(ownerlessTest({ propagationPolicy: "Foreground" })).toBeUndefined();
    expect(ownerlessTest({ propagationPolicy: "Orphan" })?.(id())).toBe(true);
    const t = ownerlessTest({
      propagationPolicy: "SelectivelyOrphan",
      selectivelyOrphans: { orphaningRules: [{ resource: "configmaps", namespace: "team-a", name: "cm" }, { group: "example.com", resource: "widgets", namespace: "team-b", name: "w" }] },
    })!;
    expect(t(id())).toBe(true);
    expect(t(id({ name: "other" }))).toBe(false);
    expect(t(NS("team-a")), "the Namespace of an orphaned object").toBe(true);
    expect(t(NS("team-b"))).toBe(true);
    expect(t(NS("team-c"))).toBe(false);
    expect(t(CRD("widgets.example.com")), "the CRD of an orphaned custom resource").toBe(true);
    expect(t(CRD("gadgets.example.com"))).toBe(false);
  });
});

describe("describeDeleteOption", () => {
  it("names the policy and the objects that stay", () => {
    expect(describeDeleteOption(undefined)).toBe("Foreground");
    expect(describeDeleteOption({ propagationPolicy: "Orphan" })).toBe("Orphan");
    expect(describeDeleteOption({ propagationPolicy: "SelectivelyOrphan", selectivelyOrphans: { orphaningRules: [{ resource: "configmaps", namespace: "default", name: "a" }, { group: "apps", resource: "deployments", namespace: "web", name: "api" }, { resource: "namespaces", name: "web" }] } })).toBe(
      "SelectivelyOrphan (configmaps default/a, deployments.apps web/api, namespaces web)",
    );
  });
});
