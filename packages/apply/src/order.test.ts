import { describe, expect, it } from "vitest";
import { kindRank, sortForApply, sortForPrune } from "./order.js";

const bundle = [
  { ordinal: 0, kind: "Deployment" },
  { ordinal: 1, kind: "ValidatingWebhookConfiguration" },
  { ordinal: 2, kind: "Service" },
  { ordinal: 3, kind: "Widget" },
  { ordinal: 4, kind: "ConfigMap" },
  { ordinal: 5, kind: "CustomResourceDefinition" },
  { ordinal: 6, kind: "RoleBinding" },
  { ordinal: 7, kind: "Namespace" },
  { ordinal: 8, kind: "ServiceAccount" },
  { ordinal: 9, kind: "APIService" },
  { ordinal: 10, kind: "ConfigMap" },
];

describe("sortForApply", () => {
  it("puts Namespaces and CRDs first and webhooks and APIServices last", () => {
    const kinds = sortForApply(bundle).map((m) => m.kind);
    expect(kinds).toEqual([
      "Namespace",
      "CustomResourceDefinition",
      "RoleBinding",
      "ServiceAccount",
      "ConfigMap",
      "ConfigMap",
      "Service",
      "Deployment",
      "Widget",
      "ValidatingWebhookConfiguration",
      "APIService",
    ]);
  });

  it("keeps spec order among manifests of one rank and keeps every ordinal", () => {
    const sorted = sortForApply(bundle);
    expect(sorted.filter((m) => m.kind === "ConfigMap").map((m) => m.ordinal)).toEqual([4, 10]);
    expect(sorted.map((m) => m.ordinal).sort((a, b) => a - b)).toEqual(bundle.map((m) => m.ordinal));
  });

  it("does not modify its input", () => {
    const copy = [...bundle];
    sortForApply(bundle);
    expect(bundle).toEqual(copy);
  });

  it("ranks a manifest without a kind with the custom resources", () => {
    expect(kindRank(undefined)).toBe(kindRank("Widget"));
  });
});

describe("sortForPrune", () => {
  it("removes in the exact reverse of apply order", () => {
    expect(sortForPrune(bundle)).toEqual(sortForApply(bundle).reverse());
    expect(sortForPrune(bundle)[0]?.kind).toBe("APIService");
    expect(sortForPrune(bundle).at(-1)?.kind).toBe("Namespace");
  });
});
