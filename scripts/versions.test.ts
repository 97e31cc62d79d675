/**
 * The Node.js release the components ship on is named in one place
 * (scripts/versions.env); the engines ranges, the Dockerfile's default base and
 * the README's table of tested versions must agree with it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const REPO = join(import.meta.dirname, "..");
const read = (p: string): string => readFileSync(join(REPO, p), "utf8");
const nodeVersion = /^NODE_VERSION=(\d+)\.(\d+)\.(\d+)$/m.exec(read("scripts/versions.env"));
const PACKAGES = ["package.json", "agent/package.json", "hub/package.json", "e2e/package.json", "packages/api/package.json", "packages/apply/package.json", "packages/localplane/package.json", "packages/runtime/package.json"];

describe("the pinned Node.js release", () => {
  it("is an LTS line (even major) that every package's engines range admits, beside the toolchain's Node 20", () => {
    expect(nodeVersion, "NODE_VERSION in scripts/versions.env").not.toBeNull();
    const major = Number(nodeVersion![1]);
    expect(major % 2).toBe(0);
    for (const p of PACKAGES) {
      const engines = (JSON.parse(read(p)) as { engines?: { node?: string } }).engines?.node ?? "";
      const alternatives = engines.split("||").map((r) => r.trim());
      expect(alternatives, `${p} engines`).toContain(`^${major}.0.0`);
      expect(alternatives, `${p} engines`).toContain("^20.19.0");
      // Nothing else is claimed: only what the suites run on.
      expect(alternatives, `${p} engines`).toHaveLength(2);
    }
  });

  it("is the Dockerfile's default base and the README's tested version", () => {
    const [, major, minor, patch] = nodeVersion!;
    expect(read("Dockerfile")).toMatch(new RegExp(`^ARG BASE_IMAGE=node:${major}-bookworm-slim$`, "m"));
    expect(read("README.md")).toContain(`| ${major}.${minor}.${patch} (\`scripts/versions.env\`)`);
  });
});
