/**
 * What `--version` prints: a package's version (its package.json) and the git
 * commit it was built from, which the build step `scripts/build-info.ts`
 * writes into the package's `dist/build-info.json` (`make build`,
 * `npm run build`, the Dockerfile). A build that skipped that step (a bare
 * `npx tsc -b`) reads "unknown".
 *
 *   const info = readBuildInfo(new URL("../", import.meta.url)); // the package's directory
 *   versionLine("work-agent", info)                              // "work-agent 0.1.0 (commit abc1234)"
 */
import { readFileSync } from "node:fs";

export interface BuildInfo {
  /** `version` of the package's package.json ("unknown" when it cannot be read). */
  version: string;
  /** Short git commit of the build, or "unknown". */
  commit: string;
}

/** Shown for what cannot be known. */
export const UNKNOWN = "unknown";

function readJson(url: URL): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(readFileSync(url, "utf8"));
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function text(v: unknown): string | undefined {
  return typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
}

/**
 * The build of the package in `packageDir` (a directory URL ending in "/", holding package.json
 * and dist/). Never throws: what is missing reads "unknown".
 */
export function readBuildInfo(packageDir: URL): BuildInfo {
  const pkg = readJson(new URL("package.json", packageDir));
  const stamp = readJson(new URL("dist/build-info.json", packageDir));
  return { version: text(pkg?.version) ?? UNKNOWN, commit: text(stamp?.commit) ?? UNKNOWN };
}

/** `NAME VERSION (commit COMMIT)`, the line `--version` prints. */
export function versionLine(name: string, info: BuildInfo): string {
  return `${name} ${info.version} (commit ${info.commit})`;
}
