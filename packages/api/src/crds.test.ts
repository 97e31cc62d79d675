/**
 * Static checks of the CRD YAML in crds/ (no API server): names and scope
 * match the TypeScript constants, schemas are structural, printer columns
 * and version flags are as intended, and the contract details of
 * shared/spec/work-api.md are present.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { CRD_FILES, crdFileName, crdName, type CrdFile } from "./crds.js";
import { ABOUT_GROUP, MAX_DECISIONS_PER_OBJECT } from "./inventory.js";
import { GROUP } from "./work.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const crdsDir = join(root, "crds");
const examplesDir = join(root, "examples");

// ------------------------------------------------------------------ shapes

interface Schema {
  type?: string;
  description?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maxItems?: number;
  additionalProperties?: Schema | boolean;
  "x-kubernetes-embedded-resource"?: boolean;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-list-type"?: string;
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-validations"?: { rule: string; message?: string; messageExpression?: string }[];
}

interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  priority?: number;
  description?: string;
}

interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  subresources?: { status?: object };
  additionalPrinterColumns?: PrinterColumn[];
  schema: { openAPIV3Schema: Schema };
}

interface Crd {
  apiVersion: string;
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  spec: {
    group: string;
    scope: "Namespaced" | "Cluster";
    names: { kind: string; listKind?: string; plural: string; singular?: string; shortNames?: string[]; categories?: string[] };
    versions: CrdVersion[];
  };
}

function loadYamlDocs(path: string): unknown[] {
  const docs = parseAllDocuments(readFileSync(path, "utf8"));
  return docs.flatMap((d) => {
    if (d.errors.length > 0) throw new Error(`${path}: ${d.errors[0]?.message ?? "invalid YAML"}`);
    const v: unknown = d.toJS();
    return v === null || v === undefined ? [] : [v];
  });
}

function loadCrd(file: string): Crd {
  const docs = loadYamlDocs(join(crdsDir, file));
  expect(docs, `${file} holds one document`).toHaveLength(1);
  return docs[0] as Crd;
}

function version(crd: Crd, name: string): CrdVersion {
  const v = crd.spec.versions.find((x) => x.name === name);
  if (!v) throw new Error(`${crd.metadata.name} has no version ${name}`);
  return v;
}

function schemaOf(crd: Crd, versionName?: string): Schema {
  const v = versionName ? version(crd, versionName) : crd.spec.versions.find((x) => x.storage);
  if (!v) throw new Error(`${crd.metadata.name} has no storage version`);
  return v.schema.openAPIV3Schema;
}

/** The node at a dotted path; `[]` steps into array items. */
function at(schema: Schema, path: string): Schema {
  let node = schema;
  for (const step of path.split(".")) {
    const next = step === "[]" ? node.items : node.properties?.[step];
    if (!next) throw new Error(`no schema at ${path} (stopped at ${step})`);
    node = next;
  }
  return node;
}

/** Every schema node with its path. */
function* walk(node: Schema, path = ""): Generator<[string, Schema]> {
  yield [path || "<root>", node];
  for (const [k, v] of Object.entries(node.properties ?? {})) yield* walk(v, `${path}.${k}`);
  if (node.items) yield* walk(node.items, `${path}[]`);
  if (typeof node.additionalProperties === "object") yield* walk(node.additionalProperties, `${path}{}`);
}

/** Violations of the structural-schema rules this project relies on. */
function structuralProblems(root: Schema): string[] {
  const problems: string[] = [];
  if (root.type !== "object") problems.push("<root>: type must be object");
  for (const [path, node] of walk(root)) {
    const exempt = node["x-kubernetes-int-or-string"] === true || node["x-kubernetes-preserve-unknown-fields"] === true;
    if (!node.type && !exempt) problems.push(`${path}: no type`);
    if (node.properties && node.type !== "object") problems.push(`${path}: properties on a non-object`);
    if (node.items && node.type !== "array") problems.push(`${path}: items on a non-array`);
    if (node.type === "array" && !node.items) problems.push(`${path}: array without items`);
    if (Array.isArray(node.items)) problems.push(`${path}: items must be one schema`);
    if (node.properties && typeof node.additionalProperties === "object") problems.push(`${path}: properties and additionalProperties`);
    if (node["x-kubernetes-embedded-resource"] && node.type !== "object") problems.push(`${path}: embedded resource must be an object`);
    for (const r of node.required ?? []) {
      if (!node.properties?.[r] && !node["x-kubernetes-preserve-unknown-fields"]) problems.push(`${path}: required ${r} is not a property`);
    }
    for (const k of node["x-kubernetes-list-map-keys"] ?? []) {
      if (node["x-kubernetes-list-type"] !== "map") problems.push(`${path}: list-map-keys without list-type map`);
      if (!node.items?.required?.includes(k)) problems.push(`${path}: map key ${k} must be required in the items`);
    }
  }
  const meta = root.properties?.metadata;
  if (!meta || meta.type !== "object" || meta.properties) problems.push("metadata must be a plain `type: object`");
  return problems;
}

/** Nodes (other than root fields) without a description. */
function undocumented(root: Schema): string[] {
  return [...walk(root)]
    .filter(([path, node]) => !node.description && path !== ".metadata" && !/^\.(apiVersion|kind)$/.test(path))
    .map(([path]) => path);
}

const crdFiles = existsSync(crdsDir) ? readdirSync(crdsDir).filter((f) => /\.ya?ml$/.test(f) && f !== "kustomization.yaml").sort() : [];
const known = Object.entries(CRD_FILES) as [string, CrdFile][];

// ------------------------------------------------------------------ every file

describe("crds/", () => {
  it("holds a file for every entry of CRD_FILES, named <group>_<plural>.yaml", () => {
    for (const [file, entry] of known) {
      expect(crdFiles).toContain(file);
      expect(crdFileName(entry.resource)).toBe(file);
    }
  });

  describe.each(crdFiles)("%s", (file) => {
    const crd = loadCrd(file);

    it("is an apiextensions.k8s.io/v1 CRD named <plural>.<group>, in a file named <group>_<plural>.yaml", () => {
      expect(crd.apiVersion).toBe("apiextensions.k8s.io/v1");
      expect(crd.kind).toBe("CustomResourceDefinition");
      expect(crd.metadata.name).toBe(crdName({ group: crd.spec.group, resource: crd.spec.names.plural }));
      expect(file).toBe(crdFileName({ group: crd.spec.group, resource: crd.spec.names.plural }));
      expect(crd.spec.names.listKind ?? `${crd.spec.names.kind}List`).toBe(`${crd.spec.names.kind}List`);
      expect(crd.spec.names.singular ?? crd.spec.names.kind.toLowerCase()).toBe(crd.spec.names.kind.toLowerCase());
    });

    it("serves every version and stores exactly one", () => {
      expect(crd.spec.versions.length).toBeGreaterThan(0);
      expect(crd.spec.versions.filter((v) => v.storage)).toHaveLength(1);
      for (const v of crd.spec.versions) expect(v.served, v.name).toBe(true);
    });

    it("has structural, documented schemas", () => {
      for (const v of crd.spec.versions) {
        expect(structuralProblems(v.schema.openAPIV3Schema), v.name).toEqual([]);
        expect(v.schema.openAPIV3Schema.description, v.name).toMatch(/\w/);
      }
    });

    it("has printer columns", () => {
      for (const v of crd.spec.versions) {
        const cols = v.additionalPrinterColumns ?? [];
        expect(cols.length, v.name).toBeGreaterThan(0);
        for (const c of cols) {
          expect(c.jsonPath.startsWith("."), `${c.name}: ${c.jsonPath}`).toBe(true);
          expect(["string", "integer", "number", "boolean", "date"]).toContain(c.type);
        }
      }
    });

    it("carries the API approval annotation when its group is protected (*.k8s.io, *.kubernetes.io)", () => {
      const protectedGroup = /(^|\.)(k8s\.io|kubernetes\.io)$/.test(crd.spec.group) && !crd.spec.group.endsWith("x-k8s.io");
      const ann = crd.metadata.annotations?.["api-approved.kubernetes.io"];
      if (protectedGroup) expect(ann).toMatch(/^(https:\/\/|unapproved)/);
      else expect(ann).toBeUndefined();
    });
  });

  describe.each(known)("%s matches the TypeScript constants", (file, entry) => {
    const crd = loadCrd(file);
    it("group, kind, plural, scope and versions", () => {
      const r = entry.resource;
      expect(crd.metadata.name).toBe(crdName(r));
      expect(crd.spec.group).toBe(r.group);
      expect(crd.spec.names.kind).toBe(r.kind);
      expect(crd.spec.names.plural).toBe(r.resource);
      expect(crd.spec.scope).toBe(r.namespaced ? "Namespaced" : "Cluster");
      expect(crd.spec.versions.map((v) => v.name)).toEqual(entry.servedVersions);
      expect(crd.spec.versions.find((v) => v.storage)?.name).toBe(r.version);
      expect(entry.servedVersions[0]).toBe(r.version);
      expect(crd.spec.names.categories).toContain("multicluster");
      expect(crd.spec.names.shortNames?.length).toBeGreaterThan(0);
    });

    it("describes every field and ends its printer columns with Age", () => {
      for (const v of crd.spec.versions) {
        expect(undocumented(v.schema.openAPIV3Schema), v.name).toEqual([]);
        expect(v.additionalPrinterColumns?.at(-1), v.name).toEqual({ name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" });
      }
    });
  });
});

// ------------------------------------------------------------------ per kind

describe("Work CRD", () => {
  const crd = loadCrd("multicluster.x-k8s.io_works.yaml");
  const s = schemaOf(crd);

  it("keeps each manifest as an embedded resource with unknown fields preserved", () => {
    const item = at(s, "spec.workload.manifests.[]");
    expect(item).toMatchObject({ type: "object", "x-kubernetes-embedded-resource": true, "x-kubernetes-preserve-unknown-fields": true });
  });

  it("does not preserve unknown fields on spec as a whole (typos are pruned)", () => {
    for (const path of ["spec", "spec.workload"]) expect(at(s, path)["x-kubernetes-preserve-unknown-fields"], path).toBeUndefined();
    expect(s["x-kubernetes-preserve-unknown-fields"]).toBeUndefined();
  });

  it("has the status of the KEP: conditions required, ordinal required", () => {
    expect(crd.spec.versions[0]?.subresources?.status).toEqual({});
    expect(at(s, "status").required).toEqual(["conditions"]);
    expect(at(s, "status.manifestConditions.[]").required).toEqual(expect.arrayContaining(["identifier", "conditions"]));
    const id = at(s, "status.manifestConditions.[].identifier");
    expect(id.required).toEqual(["ordinal"]);
    expect(at(id, "ordinal").type).toBe("integer");
    for (const f of ["group", "version", "kind", "resource", "namespace", "name"]) expect(at(id, f).type, f).toBe("string");
  });

  it("uses the metav1.Condition schema for both condition lists", () => {
    for (const path of ["status.conditions", "status.manifestConditions.[].conditions"]) {
      const list = at(s, path);
      expect(list["x-kubernetes-list-type"]).toBe("map");
      expect(list["x-kubernetes-list-map-keys"]).toEqual(["type"]);
      const c = at(list, "[]");
      expect([...(c.required ?? [])].sort()).toEqual(["lastTransitionTime", "message", "reason", "status", "type"]);
      expect(at(c, "status").enum).toEqual(["True", "False", "Unknown"]);
      expect(at(c, "lastTransitionTime").format).toBe("date-time");
      expect(at(c, "observedGeneration")).toMatchObject({ type: "integer", format: "int64", minimum: 0 });
      expect(at(c, "reason")).toMatchObject({ minLength: 1, maxLength: 1024 });
      expect(at(c, "message").maxLength).toBe(32768);
      expect(at(c, "type").maxLength).toBe(316);
    }
  });

  it("shows Applied and Available from the conditions in `kubectl get works`", () => {
    const cols = crd.spec.versions[0]?.additionalPrinterColumns ?? [];
    const main = cols.filter((c) => !c.priority).map((c) => [c.name, c.jsonPath]);
    expect(main).toEqual([
      ["Applied", '.status.conditions[?(@.type=="Applied")].status'],
      ["Available", '.status.conditions[?(@.type=="Available")].status'],
      ["Age", ".metadata.creationTimestamp"],
    ]);
  });
});

describe("AppliedWork CRD", () => {
  const crd = loadCrd("multicluster.x-k8s.io_appliedworks.yaml");
  const s = schemaOf(crd);

  it("requires the Work's name and namespace", () => {
    expect(s.required).toEqual(["spec"]);
    expect(at(s, "spec").required).toEqual(["workName", "workNamespace"]);
  });

  it("lists applied resources with their identifier and uid", () => {
    const item = at(s, "status.appliedResources.[]");
    expect(Object.keys(item.properties ?? {}).sort()).toEqual(["group", "kind", "name", "namespace", "ordinal", "resource", "uid", "version"]);
    expect(at(item, "ordinal").type).toBe("integer");
  });

  it("shows the Work's namespace and name", () => {
    const cols = crd.spec.versions[0]?.additionalPrinterColumns?.map((c) => c.jsonPath);
    expect(cols).toEqual([".spec.workNamespace", ".spec.workName", ".metadata.creationTimestamp"]);
  });
});

describe("ClusterProfile CRD", () => {
  const crd = loadCrd("multicluster.x-k8s.io_clusterprofiles.yaml");
  const s = schemaOf(crd);

  it("makes clusterManager.name required and immutable with a message", () => {
    expect(at(s, "spec").required).toEqual(["clusterManager"]);
    expect(at(s, "spec.clusterManager").required).toEqual(["name"]);
    expect(at(s, "spec.clusterManager.name")["x-kubernetes-validations"]).toEqual([
      { rule: "self == oldSelf", message: expect.stringContaining("immutable") },
    ]);
  });

  it("bounds property names (1..253) and values (1..1024)", () => {
    const p = at(s, "status.properties.[]");
    expect(p.required).toEqual(["name", "value"]);
    expect(at(p, "name")).toMatchObject({ type: "string", minLength: 1, maxLength: 253 });
    expect(at(p, "value")).toMatchObject({ type: "string", minLength: 1, maxLength: 1024 });
    expect(at(p, "lastObservedTime").format).toBe("date-time");
  });

  it("has version, conditions and credential providers with an open kubeconfig cluster entry", () => {
    expect(at(s, "status.version.kubernetes").type).toBe("string");
    expect(at(s, "status.conditions")["x-kubernetes-list-map-keys"]).toEqual(["type"]);
    const cluster = at(s, "status.credentialProviders.[].cluster");
    expect(cluster).toMatchObject({ type: "object", "x-kubernetes-preserve-unknown-fields": true });
    expect(at(cluster, "server").type).toBe("string");
  });

  it("shows manager, health, joined and version", () => {
    const cols = (crd.spec.versions[0]?.additionalPrinterColumns ?? []).filter((c) => !c.priority).map((c) => c.jsonPath);
    expect(cols).toEqual([
      ".spec.clusterManager.name",
      '.status.conditions[?(@.type=="ControlPlaneHealthy")].status',
      '.status.conditions[?(@.type=="Joined")].status',
      ".status.version.kubernetes",
      ".metadata.creationTimestamp",
    ]);
  });
});

describe("PlacementDecision CRD", () => {
  const crd = loadCrd("multicluster.x-k8s.io_placementdecisions.yaml");
  const s = schemaOf(crd);

  it("keeps decisions at the top level, at most 100, and an optional schedulerName", () => {
    expect(s.properties?.spec).toBeUndefined();
    expect(s.properties?.status).toBeUndefined();
    expect(at(s, "decisions")).toMatchObject({ type: "array", maxItems: MAX_DECISIONS_PER_OBJECT });
    expect(at(s, "schedulerName").type).toBe("string");
    expect(s.required ?? []).not.toContain("schedulerName");
    expect(crd.spec.versions[0]?.subresources).toBeUndefined();
  });

  it("references ClusterProfiles with ObjectReference fields", () => {
    const d = at(s, "decisions.[]");
    expect(d.required).toEqual(["clusterProfileRef"]);
    expect(at(d, "reason").type).toBe("string");
    const ref = at(d, "clusterProfileRef");
    expect(ref.required).toEqual(["name"]);
    for (const f of ["apiVersion", "kind", "namespace", "name", "uid"]) expect(at(ref, f).type, f).toBe("string");
  });
});

describe("ClusterProperty CRD", () => {
  const crd = loadCrd("about.k8s.io_clusterproperties.yaml");

  it("stores v1beta1 and also serves v1alpha1", () => {
    expect(crd.spec.group).toBe(ABOUT_GROUP);
    expect(version(crd, "v1beta1")).toMatchObject({ served: true, storage: true });
    expect(version(crd, "v1alpha1")).toMatchObject({ served: true, storage: false });
  });

  it("requires a non-empty string value in both versions", () => {
    for (const v of ["v1beta1", "v1alpha1"]) {
      const s = schemaOf(crd, v);
      expect(s.required, v).toEqual(["spec"]);
      expect(at(s, "spec").required, v).toEqual(["value"]);
      expect(at(s, "spec.value"), v).toMatchObject({ type: "string", minLength: 1, maxLength: 128000 });
    }
  });

  it("shows the value", () => {
    for (const v of crd.spec.versions) expect(v.additionalPrinterColumns?.[0]).toMatchObject({ name: "Value", jsonPath: ".spec.value" });
  });
});

// ------------------------------------------------------------------ examples

describe("examples/", () => {
  const works = existsSync(examplesDir)
    ? readdirSync(examplesDir)
        .filter((f) => /\.ya?ml$/.test(f))
        .flatMap((f) => loadYamlDocs(join(examplesDir, f)).map((doc) => [f, doc] as const))
        .filter(([, doc]) => (doc as { kind?: string }).kind === "Work")
    : [];

  it("includes the seed, KEP and demo Works", () => {
    expect(works.map(([f]) => f).sort()).toEqual(expect.arrayContaining(["kep-work.yaml", "sample-work.yaml", "work-sample.yaml"]));
  });

  it.each(works)("%s: a Work of this group whose manifests set apiVersion and kind", (_file, doc) => {
    const w = doc as { apiVersion: string; metadata: { name?: string; namespace?: string }; spec: { workload: { manifests: { apiVersion?: string; kind?: string }[] } } };
    expect(w.apiVersion).toBe(`${GROUP}/v1alpha1`);
    expect(w.metadata.name).toBeTruthy();
    expect(w.metadata.namespace).toBeTruthy();
    for (const m of w.spec.workload.manifests) {
      expect(m.apiVersion).toBeTruthy();
      expect(m.kind).toBeTruthy();
    }
  });
});
