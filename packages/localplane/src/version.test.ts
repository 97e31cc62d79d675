import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { versionLine } from "./version.js";

const dir = mkdtempSync(join(tmpdir(), "localplane-version-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("versionLine", () => {
  it("names the package version and the commit of the build stamp", () => {
    mkdirSync(join(dir, "dist"));
    writeFileSync(join(dir, "package.json"), JSON.stringify({ version: "9.8.7" }));
    expect(versionLine(pathToFileURL(dir + "/"))).toBe("localplane 9.8.7 (commit unknown)");
    writeFileSync(join(dir, "dist/build-info.json"), JSON.stringify({ commit: "f00ba47" }));
    expect(versionLine(pathToFileURL(dir + "/"))).toBe("localplane 9.8.7 (commit f00ba47)");
  });

  it("reads this package's own package.json by default", () => {
    expect(versionLine()).toMatch(/^localplane 0\.1\.0 \(commit \S+\)$/);
  });
});
