/**
 * Parsing and describing the manifests of a Work. A manifest that cannot be
 * parsed still has an ordinal, so it still gets a condition that names it.
 */
import type { KubeObject } from "@work-api/api";

/** A manifest whose identity is known (group, version, kind, namespace, name). */
export interface ParsedManifest {
  ordinal: number;
  object: KubeObject;
  apiVersion: string;
  group: string;
  version: string;
  kind: string;
  name: string;
  /** As written in the manifest; scope is checked against discovery later. */
  namespace: string | undefined;
}

/** Reasons a manifest is refused before anything is sent to the spoke. */
export const ManifestErrorReason = {
  ManifestInvalid: "ManifestInvalid",
  KindNotFound: "KindNotFound",
  NamespaceRequired: "NamespaceRequired",
  NamespaceNotAllowed: "NamespaceNotAllowed",
  DuplicateManifest: "DuplicateManifest",
} as const;
export type ManifestErrorReasonName = (typeof ManifestErrorReason)[keyof typeof ManifestErrorReason];

/** A problem with one manifest; `message` already names the manifest. */
export class ManifestError extends Error {
  override readonly name = "ManifestError";
  constructor(
    readonly ordinal: number,
    readonly reason: string,
    readonly detail: string,
    readonly label: string,
    options?: { cause?: unknown },
  ) {
    super(`${label}: ${detail}`, options);
  }
}

/** "manifest 2 (ConfigMap default/cm)"; missing parts are left out. */
export function describeManifest(ordinal: number, kind?: string, namespace?: string, name?: string): string {
  const id = name ? (namespace ? `${namespace}/${name}` : name) : undefined;
  const inner = [kind, id].filter((s): s is string => Boolean(s)).join(" ");
  return inner ? `manifest ${ordinal} (${inner})` : `manifest ${ordinal}`;
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf("/");
  return i < 0 ? { group: "", version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** Parses one manifest; returns a ManifestError for anything that has no identity. */
export function parseManifest(raw: unknown, ordinal: number): ParsedManifest | ManifestError {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return new ManifestError(ordinal, ManifestErrorReason.ManifestInvalid, "is not an object", describeManifest(ordinal));
  }
  const object = raw as KubeObject;
  const apiVersion = str(object.apiVersion);
  const kind = str(object.kind);
  const meta = object.metadata && typeof object.metadata === "object" ? object.metadata : undefined;
  const name = str(meta?.name);
  const namespace = str(meta?.namespace);
  const label = describeManifest(ordinal, kind, namespace, name);
  const missing = [!apiVersion && "apiVersion", !kind && "kind", !name && "metadata.name"].filter(Boolean);
  if (missing.length > 0) {
    return new ManifestError(ordinal, ManifestErrorReason.ManifestInvalid, `missing ${missing.join(", ")}`, label);
  }
  if (meta?.generateName !== undefined && meta.name === undefined) {
    return new ManifestError(ordinal, ManifestErrorReason.ManifestInvalid, "generateName is not supported; set metadata.name", label);
  }
  const { group, version } = splitApiVersion(apiVersion!);
  return { ordinal, object, apiVersion: apiVersion!, group, version, kind: kind!, name: name!, namespace };
}

/** Key of the object a manifest names, independent of version. */
export function objectKey(m: { group: string; kind: string; namespace?: string | undefined; name: string }): string {
  return `${m.group}/${m.kind}/${m.namespace ?? ""}/${m.name}`;
}
