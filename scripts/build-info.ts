// Stamps the build with the git commit it is built from: writes
// dist/build-info.json ({"commit": "..."}) into every workspace package that
// ships a bin, where `--version` reads it (packages/runtime/src/version.ts,
// packages/localplane/src/version.ts). Part of the build: `make build`,
// `npm run build` (prebuild) and the Dockerfile run it (`npx tsx
// scripts/build-info.ts`) before `tsc -b`.
//
// The commit is $WORK_API_COMMIT when set (an image built without .git:
// `docker build --build-arg WORK_API_COMMIT=$(git rev-parse --short HEAD)`),
// else `git rev-parse --short HEAD` of this repository (only when this
// directory is the top of a git work tree, so a tarball unpacked inside some
// other repository does not take that one's commit), else "unknown". The
// files are under dist/ (gitignored): the git tree stays clean.
//
//   npx tsx scripts/build-info.ts           write the files, print what was written
//   npx tsx scripts/build-info.ts --print   only print the JSON
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

function gitCommit(): string | undefined {
  const git = (...args: string[]): string => execFileSync("git", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 10_000 }).trim();
  try {
    if (realpathSync(git("rev-parse", "--show-toplevel")) !== realpathSync(root)) return undefined;
    return git("rev-parse", "--short", "HEAD") || undefined;
  } catch {
    // No git, not a work tree, or no commit yet.
    return undefined;
  }
}

function commit(): string {
  const fromEnv = (process.env.WORK_API_COMMIT ?? "").trim();
  if (fromEnv !== "") {
    if (!/^[0-9A-Za-z][0-9A-Za-z._+-]{0,63}$/.test(fromEnv)) {
      process.stderr.write(`build-info: $WORK_API_COMMIT is not a commit id or version string: ${JSON.stringify(fromEnv)}\n`);
      process.exit(2);
    }
    return fromEnv;
  }
  return gitCommit() ?? "unknown";
}

const info = { commit: commit() };
const text = JSON.stringify(info) + "\n";
if (process.argv.includes("--print")) {
  process.stdout.write(text);
} else {
  const readJson = (file: string): { workspaces?: string[]; bin?: Record<string, string> } => JSON.parse(readFileSync(file, "utf8"));
  const written: string[] = [];
  for (const ws of readJson(join(root, "package.json")).workspaces ?? []) {
    const pkg = readJson(join(root, ws, "package.json"));
    if (pkg.bin === undefined || Object.keys(pkg.bin).length === 0) continue;
    mkdirSync(join(root, ws, "dist"), { recursive: true });
    writeFileSync(join(root, ws, "dist", "build-info.json"), text);
    written.push(ws);
  }
  process.stdout.write(`build-info: commit ${info.commit} (${written.join(", ")})\n`);
}
