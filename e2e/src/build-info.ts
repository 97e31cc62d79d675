/**
 * The build stamp `--version` prints, for the e2e tests of the bins: stamps
 * the tree as `make build` does (scripts/build-info.ts), and tells what the
 * bins of node_modules/.bin should then print.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

export const REPO = resolve(import.meta.dirname, "../..");

/** `node_modules/.bin/NAME`, as npm links it and a user's PATH finds it. */
export function binPath(name: string): string {
  return join(REPO, "node_modules/.bin", name);
}

/** Runs the build step that writes dist/build-info.json (what `make build` runs before `tsc -b`). */
export function stampBuild(env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync("npx", ["tsx", "scripts/build-info.ts"], { cwd: REPO, env, encoding: "utf8", timeout: 60_000 });
}

/** `git rev-parse --short HEAD` of the repository under test. */
export function gitShortHead(): string {
  return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: REPO, encoding: "utf8" }).trim();
}

/** `version` of a workspace package's package.json (dir relative to the repository). */
export function packageVersion(dir: string): string {
  return (JSON.parse(readFileSync(join(REPO, dir, "package.json"), "utf8")) as { version: string }).version;
}

/** Runs a bin of node_modules/.bin directly (its shebang), as a user's shell does. */
export function runBin(name: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(binPath(name), args, { env, encoding: "utf8", timeout: 60_000 });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
