/**
 * CustomResourceDefinitions each role needs, read from the repository's
 * crds/ dir, server-side applied and waited on until Established.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { ApiextensionsV1Api, type KubeConfig, type KubernetesObject } from "@kubernetes/client-node";
import { rawApply } from "./raw-apply.js";
import { parseAllDocuments } from "yaml";
import { CrdInstallError, TimeoutError, describeError } from "./errors.js";

export type Role = "hub" | "spoke";

export const FIELD_MANAGER = "localplane";

interface CrdFile {
  file: string;
  /** Optional files are skipped silently when absent. */
  optional?: boolean;
}

export const ROLE_CRDS: Record<Role, readonly CrdFile[]> = {
  hub: [
    { file: "multicluster.x-k8s.io_works.yaml" },
    { file: "multicluster.x-k8s.io_clusterprofiles.yaml" },
    { file: "multicluster.x-k8s.io_placementdecisions.yaml" },
    { file: "multicluster.x-k8s.io_workplacements.yaml", optional: true },
  ],
  spoke: [{ file: "multicluster.x-k8s.io_appliedworks.yaml" }, { file: "about.k8s.io_clusterproperties.yaml" }],
};

/** crds/ at the repository root (this file is packages/localplane/{src,dist}/crds.*). */
export function defaultCrdsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.LOCALPLANE_CRDS_DIR || fileURLToPath(new URL("../../../crds", import.meta.url));
}

export interface CrdSelection {
  files: string[];
  /** Required files that do not exist (a warning, not an error). */
  missing: string[];
}

export function crdFilesForRole(role: Role, crdsDir: string): CrdSelection {
  const files: string[] = [];
  const missing: string[] = [];
  for (const c of ROLE_CRDS[role]) {
    const path = join(crdsDir, c.file);
    if (existsSync(path)) files.push(path);
    else if (!c.optional) missing.push(path);
  }
  return { files, missing };
}

/** The CRD objects of a YAML file (several documents allowed). */
export function parseCrds(text: string, source: string): KubernetesObject[] {
  const out: KubernetesObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new CrdInstallError(`${source}: invalid YAML: ${doc.errors[0]?.message ?? ""}`);
    const obj = doc.toJS() as KubernetesObject | null;
    if (obj === null || obj === undefined) continue;
    if (obj.kind !== "CustomResourceDefinition" || !obj.metadata?.name) {
      throw new CrdInstallError(`${source}: expected CustomResourceDefinition documents, found kind ${String(obj.kind)}`);
    }
    out.push(obj);
  }
  return out;
}

export interface InstallCrdsOptions {
  timeoutMs: number;
}

/** Applies the CRDs (SSA, forced) and waits until each is Established. Returns their names. */
export async function installCrds(kc: KubeConfig, files: readonly string[], opts: InstallCrdsOptions): Promise<string[]> {
  const objects = files.flatMap((f) => parseCrds(readFileSync(f, "utf8"), f));
  for (const obj of objects) {
    try {
      await rawApply(kc, `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${obj.metadata!.name!}`, obj, FIELD_MANAGER);
    } catch (err) {
      throw new CrdInstallError(`cannot apply CRD ${obj.metadata?.name ?? "?"}: ${describeError(err)}`, { cause: err });
    }
  }
  const names = objects.map((o) => o.metadata?.name ?? "");
  await waitEstablished(kc, names, opts.timeoutMs);
  return names;
}

export async function waitEstablished(kc: KubeConfig, names: readonly string[], timeoutMs: number): Promise<void> {
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  const deadline = Date.now() + timeoutMs;
  for (const name of names) {
    for (;;) {
      const crd = await ext.readCustomResourceDefinition({ name }).catch(() => undefined);
      const conds = crd?.status?.conditions ?? [];
      if (conds.some((c) => c.type === "Established" && c.status === "True")) break;
      const bad = conds.find((c) => c.type === "NamesAccepted" && c.status === "False");
      if (bad) throw new CrdInstallError(`CRD ${name} names not accepted: ${bad.message ?? bad.reason ?? ""}`);
      if (Date.now() > deadline) throw new TimeoutError(`CRD ${name} not Established after ${timeoutMs} ms`);
      await sleep(100);
    }
  }
}
