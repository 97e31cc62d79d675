/**
 * Vitest global setup of the e2e project: ONE local plane (hub + spoke1 +
 * spoke2) shared by every e2e test file, started once per run.
 *
 * - Default: a fresh temp dir, cold start, removed after the run.
 * - E2E_PLANE_DIR=DIR: use DIR. If hub, spoke1 and spoke2 already run from
 *   DIR (e.g. `localplane up hub spoke1 spoke2 --dir DIR` in another
 *   terminal) they are used as they are and left running; otherwise they are
 *   started there (warm when DIR has data) and stopped, not deleted, after.
 * - E2E_SHARED_PLANE=0: start nothing (for files that run their own planes).
 *
 * Tests read the kubeconfig paths with the helpers of env.ts (vitest
 * `inject("e2ePlane")`, mirrored in E2E_*_KUBECONFIG env vars for child
 * processes).
 */
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { TestProject } from "vitest/node";
import { planeStatus, startPlane, type Plane } from "@work-api/localplane";

export const E2E_CLUSTERS = [
  { name: "hub", role: "hub" },
  { name: "spoke1", role: "spoke" },
  { name: "spoke2", role: "spoke" },
] as const;

/** What global setup hands to the tests. */
export interface E2EPlane {
  dir: string;
  /** Cluster name -> admin kubeconfig path. Empty when E2E_SHARED_PLANE=0. */
  kubeconfigs: Record<string, string>;
  /** "started" by this run, "attached" to a plane someone else runs, or "none". */
  mode: "started" | "attached" | "none";
}

declare module "vitest" {
  export interface ProvidedContext {
    e2ePlane: E2EPlane;
  }
}

function log(message: string): void {
  process.stderr.write(`[e2e plane] ${message}\n`);
}

function runningIn(dir: string): Record<string, string> | undefined {
  const status = planeStatus(dir);
  const out: Record<string, string> = {};
  for (const c of E2E_CLUSTERS) {
    const s = status.find((x) => x.name === c.name);
    if (!s?.running || s.role !== c.role || !existsSync(s.kubeconfigPath)) return undefined;
    out[c.name] = s.kubeconfigPath;
  }
  return out;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const provide = (p: E2EPlane): void => {
    project.provide("e2ePlane", p);
    process.env.E2E_PLANE_DIR_IN_USE = p.dir;
    for (const [name, path] of Object.entries(p.kubeconfigs)) process.env[`E2E_${name.toUpperCase()}_KUBECONFIG`] = path;
  };

  if (process.env.E2E_SHARED_PLANE === "0") {
    provide({ dir: "", kubeconfigs: {}, mode: "none" });
    return async () => undefined;
  }

  const given = process.env.E2E_PLANE_DIR;
  const dir = given ? resolve(given) : mkdtempSync(join(tmpdir(), "work-api-e2e-"));
  const attached = given ? runningIn(dir) : undefined;
  if (attached) {
    log(`using the plane already running in ${dir}`);
    provide({ dir, kubeconfigs: attached, mode: "attached" });
    return async () => undefined;
  }

  const t0 = Date.now();
  let plane: Plane;
  try {
    plane = await startPlane({ dir, clusters: E2E_CLUSTERS, log: (m) => (m.startsWith("warning") ? log(m) : undefined) });
  } catch (err) {
    log(`cannot start the shared plane in ${dir}; logs are in ${dir}/<cluster>/logs`);
    throw err;
  }
  log(`hub + spoke1 + spoke2 ready in ${((Date.now() - t0) / 1000).toFixed(1)}s (${dir})`);
  provide({ dir, kubeconfigs: Object.fromEntries([...plane.clusters.values()].map((c) => [c.name, c.kubeconfigPath])), mode: "started" });

  return async () => {
    await plane.stop({ remove: !given });
  };
}
