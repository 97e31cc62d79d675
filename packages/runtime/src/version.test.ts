import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { readBuildInfo, versionLine } from "./version.js";

const dir = mkdtempSync(join(tmpdir(), "version-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pkg(name: string, files: Record<string, string>): URL {
  const d = join(dir, name);
  mkdirSync(join(d, "dist"), { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(join(d, f), text);
  return pathToFileURL(d + "/");
}

describe("readBuildInfo", () => {
  it("reads the version from package.json and the commit from dist/build-info.json", () => {
    const u = pkg("stamped", { "package.json": JSON.stringify({ name: "x", version: "1.2.3" }), "dist/build-info.json": JSON.stringify({ commit: "abc1234" }) });
    expect(readBuildInfo(u)).toEqual({ version: "1.2.3", commit: "abc1234" });
    expect(versionLine("work-agent", readBuildInfo(u))).toBe("work-agent 1.2.3 (commit abc1234)");
  });

  it("reads unknown for a build without the stamp, or a broken one, and never throws", () => {
    expect(readBuildInfo(pkg("bare", { "package.json": JSON.stringify({ version: "0.1.0" }) }))).toEqual({ version: "0.1.0", commit: "unknown" });
    expect(readBuildInfo(pkg("broken", { "package.json": "{", "dist/build-info.json": "[1]" }))).toEqual({ version: "unknown", commit: "unknown" });
    expect(readBuildInfo(pathToFileURL(join(dir, "missing") + "/"))).toEqual({ version: "unknown", commit: "unknown" });
  });
});
