import { describe, expect, it } from "vitest";
import type { AppliedRef } from "@work-api/apply";
import { describeDeleteOption, orphanTest } from "./delete-option.js";

const ref = (over: Partial<AppliedRef>): AppliedRef => ({ ordinal: 0, group: "", version: "v1", kind: "ConfigMap", resource: "configmaps", namespace: "team-a", name: "cm", ...over });

describe("orphanTest (spec.deleteOption)", () => {
  it("orphans nothing for Foreground or no deleteOption, everything for Orphan", () => {
    expect(orphanTest(undefined)).toBeUndefined();
    expect(orphanTest({ propagationPolicy: "Foreground" })).toBeUndefined();
    expect(orphanTest({})).toBeUndefined();
    expect(orphanTest({ propagationPolicy: "Orphan" })?.(ref({ kind: "Namespace", resource: "namespaces", namespace: undefined }))).toBe(true);
  });

  it("SelectivelyOrphan matches group, resource, namespace and name exactly; \"\" or absent for the core group and cluster scope", () => {
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
    expect(t(ref({}))).toBe(true);
    expect(t(ref({ name: "cm2" }))).toBe(false);
    expect(t(ref({ namespace: "team-b" }))).toBe(false);
    expect(t(ref({ group: "apps", kind: "Deployment", resource: "deployments", name: "web" }))).toBe(true);
    expect(t(ref({ group: "extensions", kind: "Deployment", resource: "deployments", name: "web" }))).toBe(false);
    expect(t(ref({ kind: "Namespace", resource: "namespaces", namespace: undefined, name: "team-a" }))).toBe(true);
    // A rule with a namespace does not match the cluster-scoped object of that name.
    expect(t(ref({ kind: "Namespace", resource: "namespaces", namespace: undefined, name: "cm" }))).toBe(false);
  });

  it("describes the option for Events", () => {
    expect(describeDeleteOption(undefined)).toBe("Foreground");
    expect(describeDeleteOption({ propagationPolicy: "Orphan" })).toBe("Orphan");
    expect(describeDeleteOption({ propagationPolicy: "SelectivelyOrphan", selectivelyOrphans: { orphaningRules: [{ resource: "configmaps", name: "a" }] } })).toBe("SelectivelyOrphan (1 rule)");
  });
});
