/**
 * What `localplane --version` prints: this package's version (package.json)
 * and the git commit it was built from, written by the build step
 * `scripts/build-info.ts` into dist/build-info.json ("unknown" without it).
 * The same as the runtime's version.ts; localplane depends on no other
 * workspace package, so it has its own few lines.
 */
import { readFileSync } from "node:fs";

function field(url: URL, key: string): string {
  try {
    const v = (JSON.parse(readFileSync(url, "utf8")) as Record<string, unknown> | null)?.[key];
    return typeof v === "string" && v.trim() !== "" ? v.trim() : "unknown";
  } catch {
    return "unknown";
  }
}

/** `localplane VERSION (commit COMMIT)` for the package in `packageDir` (default: this one). */
export function versionLine(packageDir: URL = new URL("../", import.meta.url)): string {
  return `localplane ${field(new URL("package.json", packageDir), "version")} (commit ${field(new URL("dist/build-info.json", packageDir), "commit")})`;
}
