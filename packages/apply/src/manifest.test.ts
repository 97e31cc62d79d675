import { describe, expect, it } from "vitest";
import { ManifestError, describeManifest, objectKey, parseManifest } from "./manifest.js";

describe("parseManifest", () => {
  it("parses group, version, kind, namespace and name", () => {
    const m = parseManifest({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "demo" } }, 3);
    expect(m).toMatchObject({ ordinal: 3, group: "apps", version: "v1", kind: "Deployment", name: "web", namespace: "demo" });
  });

  it("treats a core apiVersion as the empty group", () => {
    const m = parseManifest({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm" } }, 0);
    expect(m).toMatchObject({ group: "", version: "v1", namespace: undefined });
  });

  it("names the manifest and every missing field", () => {
    const e = parseManifest({ metadata: { name: "x", namespace: "ns" } }, 4);
    expect(e).toBeInstanceOf(ManifestError);
    expect((e as ManifestError).reason).toBe("ManifestInvalid");
    expect((e as ManifestError).message).toBe("manifest 4 (ns/x): missing apiVersion, kind");
  });

  it("refuses a manifest without a name, naming its kind", () => {
    const e = parseManifest({ apiVersion: "v1", kind: "ConfigMap", metadata: {} }, 1) as ManifestError;
    expect(e.message).toBe("manifest 1 (ConfigMap): missing metadata.name");
  });

  it("refuses non-objects", () => {
    expect((parseManifest("nope", 2) as ManifestError).message).toBe("manifest 2: is not an object");
    expect(parseManifest(null, 2)).toBeInstanceOf(ManifestError);
  });
});

describe("describeManifest", () => {
  it("reads like a sentence fragment", () => {
    expect(describeManifest(0, "Namespace", undefined, "demo")).toBe("manifest 0 (Namespace demo)");
    expect(describeManifest(2, "ConfigMap", "default", "cm")).toBe("manifest 2 (ConfigMap default/cm)");
  });
});

describe("objectKey", () => {
  it("ignores the version so v1 and v1beta1 of one object collide", () => {
    expect(objectKey({ group: "apps", kind: "Deployment", namespace: "a", name: "b" })).toBe("apps/Deployment/a/b");
  });
});
