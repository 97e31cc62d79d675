/**
 * Admission policies of a hub: the repository's deploy/hub/admission-policies.yaml (a
 * ValidatingAdmissionPolicy and its binding: agents may write only a Work's status and finalizer),
 * server-side applied on every hub, so every e2e test runs under it.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { KubeConfig, KubernetesObject } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { FIELD_MANAGER } from "./crds.js";
import { CrdInstallError } from "./errors.js";
import { rawApply } from "./raw-apply.js";

/** deploy/hub/admission-policies.yaml at the repository root; LOCALPLANE_HUB_POLICY overrides ("" for none). */
export function defaultHubPolicyFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.LOCALPLANE_HUB_POLICY ?? fileURLToPath(new URL("../../../deploy/hub/admission-policies.yaml", import.meta.url));
}

const PATHS: Record<string, string> = {
  ValidatingAdmissionPolicy: "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies",
  ValidatingAdmissionPolicyBinding: "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings",
};

/** Applies the policy file's objects; returns their names ("" file or a missing file: none). */
export async function installHubPolicies(kc: KubeConfig, file: string): Promise<string[]> {
  if (file === "" || !existsSync(file)) return [];
  const names: string[] = [];
  const docs = parseAllDocuments(readFileSync(file, "utf8"));
  const objects = docs.map((d) => {
    if (d.errors.length > 0) throw new CrdInstallError(`${file}: invalid YAML: ${d.errors[0]?.message ?? ""}`);
    return d.toJS() as KubernetesObject | null;
  });
  for (const obj of objects) {
    if (obj === null || obj === undefined) continue;
    const base = PATHS[obj.kind ?? ""];
    if (!base) throw new CrdInstallError(`${file}: unexpected kind ${String(obj.kind)} (only ValidatingAdmissionPolicy and its binding)`);
    const name = obj.metadata?.name ?? "";
    try {
      await rawApply(kc, `${base}/${name}`, obj, FIELD_MANAGER);
    } catch (err) {
      throw new CrdInstallError(`cannot apply ${String(obj.kind)} ${name} from ${file}: ${(err as Error).message}`, { cause: err });
    }
    names.push(`${String(obj.kind)}/${name}`);
  }
  return names;
}
