import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { crdFilesForRole, parseCrds } from "./crds.js";

const dir = mkdtempSync(join(tmpdir(), "localplane-crds-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("crdFilesForRole", () => {
  it("lists present files and reports missing required ones, not optional ones", () => {
    writeFileSync(join(dir, "multicluster.x-k8s.io_works.yaml"), "");
    const sel = crdFilesForRole("hub", dir);
    expect(sel.files).toEqual([join(dir, "multicluster.x-k8s.io_works.yaml")]);
    expect(sel.missing.map((p) => p.slice(dir.length + 1))).toEqual([
      "multicluster.x-k8s.io_clusterprofiles.yaml",
      "multicluster.x-k8s.io_placementdecisions.yaml",
    ]);
    expect(crdFilesForRole("spoke", dir).missing).toHaveLength(2);
  });
});

describe("parseCrds", () => {
  it("reads several documents and skips empty ones", () => {
    const text = "---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: a.x\n---\n---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: b.x\n";
    expect(parseCrds(text, "f").map((o) => o.metadata?.name)).toEqual(["a.x", "b.x"]);
  });

  it("rejects other kinds", () => {
    expect(() => parseCrds("kind: ConfigMap\nmetadata:\n  name: x\n", "f.yaml")).toThrow(/f.yaml: expected CustomResourceDefinition/);
  });
});
