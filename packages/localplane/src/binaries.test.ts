import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { chooseBinDir, defaultBinDir, findBinaries } from "./binaries.js";
import { BinariesNotFoundError } from "./errors.js";

const dir = mkdtempSync(join(tmpdir(), "localplane-bin-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("chooseBinDir", () => {
  it("prefers the option, then LOCALPLANE_BIN_DIR, then the cache", () => {
    expect(chooseBinDir("/a", { LOCALPLANE_BIN_DIR: "/b" }).dir).toBe("/a");
    expect(chooseBinDir(undefined, { LOCALPLANE_BIN_DIR: "/b" }).dir).toBe("/b");
    expect(chooseBinDir(undefined, { WORK_API_CACHE: "/c" }).dir).toBe("/c/bin/current");
    expect(defaultBinDir({ XDG_CACHE_HOME: "/x" })).toBe("/x/work-api-ts/bin/current");
  });
});

describe("findBinaries", () => {
  it("says to run make build when a binary is missing", () => {
    expect(() => findBinaries(join(dir, "none"))).toThrow(BinariesNotFoundError);
    expect(() => findBinaries(join(dir, "none"))).toThrow(/make build/);
  });

  it("returns the paths and versions.json", () => {
    const bin = join(dir, "set");
    mkdirSync(bin);
    for (const f of ["etcd", "kube-apiserver", "kube-controller-manager"]) {
      writeFileSync(join(bin, f), "#!/bin/sh\n");
      chmodSync(join(bin, f), 0o755);
    }
    writeFileSync(join(bin, "versions.json"), '{"kubernetes":"v1.34.4","etcd":"v3.6.16"}');
    const b = findBinaries(bin);
    expect(b.kubeApiserver).toBe(join(bin, "kube-apiserver"));
    expect(b.versions).toEqual({ kubernetes: "v1.34.4", etcd: "v3.6.16" });
  });
});
