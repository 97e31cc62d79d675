/**
 * Locates the etcd and kube binaries: explicit option, then
 * LOCALPLANE_BIN_DIR, then the cache dir written by
 * scripts/build-go-binaries.sh (`make build`).
 */
import { accessSync, constants, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { BinariesNotFoundError } from "./errors.js";

export interface Binaries {
  dir: string;
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  /** kube-scheduler and kwok: needed by spokes with fake nodes; undefined when the bin dir lacks them. */
  kubeScheduler: string | undefined;
  kwok: string | undefined;
  /** Versions from versions.json next to the binaries, when present. */
  versions: { kubernetes?: string; etcd?: string; kwok?: string };
}

/** The default bin dir: `${WORK_API_CACHE:-${XDG_CACHE_HOME:-~/.cache}/work-api-ts}/bin/current`. */
export function defaultBinDir(env: NodeJS.ProcessEnv = process.env): string {
  const cache = env.WORK_API_CACHE || join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "work-api-ts");
  return join(cache, "bin", "current");
}

/** Which dir to use, and where that choice came from (for error messages). */
export function chooseBinDir(option: string | undefined, env: NodeJS.ProcessEnv = process.env): { dir: string; source: string } {
  if (option) return { dir: resolve(option), source: "the binDir option" };
  if (env.LOCALPLANE_BIN_DIR) return { dir: resolve(env.LOCALPLANE_BIN_DIR), source: "LOCALPLANE_BIN_DIR" };
  return { dir: defaultBinDir(env), source: "the build cache default" };
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findBinaries(option?: string, env: NodeJS.ProcessEnv = process.env): Binaries {
  const { dir, source } = chooseBinDir(option, env);
  const bins = {
    etcd: join(dir, "etcd"),
    kubeApiserver: join(dir, "kube-apiserver"),
    kubeControllerManager: join(dir, "kube-controller-manager"),
  };
  const missing = Object.values(bins).filter((p) => !executable(p));
  if (missing.length > 0) {
    throw new BinariesNotFoundError(
      `control plane binaries not found in ${dir} (from ${source}): missing ${missing.join(", ")}. ` +
        "Run `make build` (or `bash scripts/build-go-binaries.sh`) to build them, or point --bin-dir / LOCALPLANE_BIN_DIR at a dir holding etcd, kube-apiserver and kube-controller-manager.",
    );
  }
  let versions: Binaries["versions"] = {};
  try {
    versions = JSON.parse(readFileSync(join(dir, "versions.json"), "utf8")) as Binaries["versions"];
  } catch {
    // versions.json is informative only.
  }
  const optional = (name: string): string | undefined => (executable(join(dir, name)) ? join(dir, name) : undefined);
  return { dir, ...bins, kubeScheduler: optional("kube-scheduler"), kwok: optional("kwok"), versions };
}
