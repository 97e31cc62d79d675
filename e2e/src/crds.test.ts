/**
 * The CRDs of crds/ against a real API server (the shared plane's hub and
 * spoke1): existing Work YAML is accepted unchanged, malformed manifests and
 * illegal ClusterProfile changes are rejected with 422 and a clear message,
 * ClusterProperty versions convert, and the printer columns show up in
 * kubectl.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ApiException, PatchStrategy, type V1ObjectMeta } from "@kubernetes/client-node";
import { afterAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { apply, clients, deleteIfExists, hubKubeconfig, kubectlOk, spokeKubeconfig, testNamespace, uniqueName } from "./env.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const API = "multicluster.x-k8s.io/v1alpha1";

/** An object with the header the generic client needs. */
type Obj = { apiVersion: string; kind: string; metadata: V1ObjectMeta & { name: string } } & Record<string, unknown>;

function loadDocs(file: string): Obj[] {
  return parseAllDocuments(readFileSync(join(root, file), "utf8"))
    .map((d) => d.toJS() as Obj | null)
    .filter((d): d is Obj => d !== null);
}

/** The one Work of an example file. */
function exampleWork(file: string): Obj {
  const work = loadDocs(join("examples", file)).find((d) => d.kind === "Work");
  if (!work) throw new Error(`no Work in examples/${file}`);
  return work;
}

/** The same object in another namespace (the only change made to example YAML). */
function inNamespace(obj: Obj, namespace: string): Obj {
  return { ...obj, metadata: { ...obj.metadata, namespace } };
}

interface StatusBody {
  code?: number;
  reason?: string;
  message?: string;
}

/** Runs `fn`, expects it to fail with an HTTP error, and returns the code and Status. */
async function rejection(fn: () => Promise<unknown>): Promise<{ code: number; status: StatusBody }> {
  let err: unknown;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  if (!(err instanceof ApiException)) throw new Error(`expected an API error, got ${err === undefined ? "success" : err instanceof Error ? err.message : JSON.stringify(err)}`);
  const body: unknown = err.body;
  let status: StatusBody = {};
  if (typeof body === "string") {
    try {
      status = JSON.parse(body) as StatusBody;
    } catch {
      status = { message: body };
    }
  } else if (body && typeof body === "object") {
    status = body;
  }
  return { code: err.code, status };
}

function condition(type: string, status: "True" | "False" | "Unknown", reason: string): Record<string, unknown> {
  return { type, status, reason, message: `${type} is ${status}`, lastTransitionTime: "2026-01-01T00:00:00Z", observedGeneration: 1 };
}

describe("CRD installation by localplane", () => {
  it("installs the schemas exactly as written, CEL rules and list markers included", async () => {
    // Read with kubectl: client-node's typed models would drop the very keys checked here.
    const text = await kubectlOk(hubKubeconfig(), ["get", "crd", "clusterprofiles.multicluster.x-k8s.io", "-o", "json"]);
    expect(text).toContain("x-kubernetes-validations");
    expect(text).toContain("x-kubernetes-list-type");
  });
});

// ------------------------------------------------------------------ Work

describe("Work CRD", () => {
  const nsSeed = testNamespace("crds-seed");
  const nsKep = testNamespace("crds-kep");

  it("accepts the seed's Work YAML unchanged (server-side apply) and stores every field", async () => {
    const hub = clients(hubKubeconfig());
    const seed = exampleWork("work-sample.yaml");
    await apply(hub.objects, inNamespace(seed, nsSeed), "e2e-crds");
    const stored = await hub.objects.read<Obj>(inNamespace(seed, nsSeed));
    expect(stored.spec).toEqual(seed.spec);
  });

  it("accepts the KEP-6456 Work YAML unchanged (create) and stores every field", async () => {
    const hub = clients(hubKubeconfig());
    const kep = exampleWork("kep-work.yaml");
    await hub.objects.create(inNamespace(kep, nsKep));
    const stored = await hub.objects.read<Obj>(inNamespace(kep, nsKep));
    expect(stored.spec).toEqual(kep.spec);
  });

  it("accepts the demo Work", async () => {
    const hub = clients(hubKubeconfig());
    const demo = exampleWork("sample-work.yaml");
    await apply(hub.objects, inNamespace(demo, nsSeed), "e2e-crds");
    const stored = await hub.objects.read<Obj>(inNamespace(demo, nsSeed));
    expect(stored.spec).toEqual(demo.spec);
  });

  it("accepts the executor example Work and stores its executor", async () => {
    const hub = clients(hubKubeconfig());
    const ex = exampleWork("executor-work.yaml");
    await apply(hub.objects, inNamespace(ex, nsSeed), "e2e-crds");
    const stored = await hub.objects.read<Obj>(inNamespace(ex, nsSeed));
    expect(stored.spec).toEqual(ex.spec);
    expect((stored.spec as { executor?: unknown }).executor).toEqual({ subject: { type: "ServiceAccount", serviceAccount: { namespace: "team-a", name: "deployer" } } });
  });

  it("prunes unknown fields under spec but keeps everything inside a manifest", async () => {
    const hub = clients(hubKubeconfig());
    const work: Obj = {
      apiVersion: API,
      kind: "Work",
      metadata: { name: uniqueName("prune"), namespace: nsSeed },
      spec: {
        workloadd: { typo: true },
        workload: { manifests: [{ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" }, spec: { anything: { goes: [1, "two"] } } }] },
      },
    };
    await hub.objects.create(work);
    const stored = await hub.objects.read<Obj>(work);
    expect(stored.spec).toEqual({ workload: (work.spec as Record<string, unknown>).workload });
  });

  describe.each([
    ["kind", { apiVersion: "v1", metadata: { name: "cm", namespace: "default" }, data: { a: "1" } }],
    ["apiVersion", { kind: "ConfigMap", metadata: { name: "cm", namespace: "default" }, data: { a: "1" } }],
  ] as const)("a manifest without %s", (field, manifest) => {
    const work = (name: string): Obj => ({
      apiVersion: API,
      kind: "Work",
      metadata: { name, namespace: nsSeed },
      spec: { workload: { manifests: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ok" } }, manifest] } },
    });
    const expected = `spec.workload.manifests[1].${field}: Required value`;

    it("is rejected on create with 422 naming the field", async () => {
      const hub = clients(hubKubeconfig());
      const { code, status } = await rejection(() => hub.objects.create(work(uniqueName("no-" + field))));
      expect(code).toBe(422);
      expect(status.reason).toBe("Invalid");
      expect(status.message).toContain(expected);
    });

    it("is rejected on server-side apply with 422 naming the field", async () => {
      const hub = clients(hubKubeconfig());
      const { code, status } = await rejection(() => apply(hub.objects, work(uniqueName("no-" + field)), "e2e-crds"));
      expect(code).toBe(422);
      expect(status.message).toContain(expected);
    });
  });

  it("validates the status written by an agent", async () => {
    const hub = clients(hubKubeconfig());
    const name = uniqueName("status");
    await hub.objects.create(inNamespace({ ...exampleWork("kep-work.yaml"), metadata: { name } }, nsKep));
    const ref = { group: "multicluster.x-k8s.io", version: "v1alpha1", plural: "works", namespace: nsKep, name };
    const current = async (): Promise<Obj> => (await hub.custom.getNamespacedCustomObject(ref)) as Obj;
    const identifier = { ordinal: 0, group: "", version: "v1", kind: "ConfigMap", resource: "configmaps", namespace: "default", name: "cm" };

    const good = {
      conditions: [condition("Applied", "True", "AppliedWorkComplete"), condition("Available", "True", "ResourcesAvailable")],
      manifestConditions: [{ identifier, conditions: [condition("Applied", "True", "AppliedManifestComplete")] }],
    };
    await hub.custom.replaceNamespacedCustomObjectStatus({ ...ref, body: { ...(await current()), status: good } });
    expect(((await current()).status as typeof good).manifestConditions[0]?.identifier).toEqual(identifier);

    const { ordinal: _ordinal, ...withoutOrdinal } = identifier;
    const bad = await rejection(async () =>
      hub.custom.replaceNamespacedCustomObjectStatus({
        ...ref,
        body: { ...(await current()), status: { ...good, manifestConditions: [{ identifier: withoutOrdinal, conditions: [] }] } },
      }),
    );
    expect(bad.code).toBe(422);
    expect(bad.status.message).toContain("status.manifestConditions[0].identifier.ordinal: Required value");

    const noConditions = await rejection(async () =>
      hub.custom.replaceNamespacedCustomObjectStatus({ ...ref, body: { ...(await current()), status: { manifestConditions: good.manifestConditions } } }),
    );
    expect(noConditions.code).toBe(422);
    expect(noConditions.status.message).toContain("status.conditions: Required value");
  });

  it("shows Applied and Available in `kubectl get works -A`", async () => {
    const hub = clients(hubKubeconfig());
    const name = uniqueName("columns");
    await hub.objects.create(inNamespace({ ...exampleWork("work-sample.yaml"), metadata: { name } }, nsKep));
    const ref = { group: "multicluster.x-k8s.io", version: "v1alpha1", plural: "works", namespace: nsKep, name };
    const obj = (await hub.custom.getNamespacedCustomObject(ref)) as Obj;
    const status = {
      conditions: [
        condition("Applied", "True", "AppliedWorkComplete"),
        condition("Progressing", "False", "Done"),
        condition("Available", "False", "ResourcesNotAvailable"),
        condition("Degraded", "False", "Healthy"),
      ],
    };
    await hub.custom.replaceNamespacedCustomObjectStatus({ ...ref, body: { ...obj, status } });

    const out = await kubectlOk(hubKubeconfig(), ["get", "works", "-A"]);
    const lines = out.trim().split("\n");
    expect(lines[0]?.split(/\s{2,}/)).toEqual(["NAMESPACE", "NAME", "APPLIED", "AVAILABLE", "AGE"]);
    const row = lines.find((l) => l.startsWith(`${nsKep} `) && l.includes(` ${name} `));
    expect(row?.split(/\s+/).slice(0, 4)).toEqual([nsKep, name, "True", "False"]);

    const wide = await kubectlOk(hubKubeconfig(), ["get", "works", "-n", nsKep, name, "-o", "wide"]);
    const [head, line] = wide.trim().split("\n");
    expect(head?.split(/\s{2,}/)).toEqual(["NAME", "APPLIED", "AVAILABLE", "PROGRESSING", "DEGRADED", "REASON", "AGE"]);
    expect(line?.split(/\s+/).slice(0, 6)).toEqual([name, "True", "False", "False", "False", "AppliedWorkComplete"]);

    const short = await kubectlOk(hubKubeconfig(), ["get", "wk", "-n", nsKep, name, "-o", "name"]);
    expect(short.trim()).toBe(`work.multicluster.x-k8s.io/${name}`);
  });
});

// ------------------------------------------------------------------ ClusterProfile and PlacementDecision

describe("ClusterProfile CRD", () => {
  const ns = testNamespace("crds-inventory");
  const profileRef = { group: "multicluster.x-k8s.io", version: "v1alpha1", plural: "clusterprofiles", namespace: ns };

  async function createProfile(name: string): Promise<Obj> {
    const hub = clients(hubKubeconfig());
    const profile = loadDocs("examples/clusterprofile.yaml").find((d) => d.kind === "ClusterProfile");
    if (!profile) throw new Error("no ClusterProfile in examples/clusterprofile.yaml");
    const body = { ...profile, metadata: { ...profile.metadata, name, namespace: ns } };
    await apply(hub.objects, body, "e2e-crds");
    return body;
  }

  it("rejects a change of spec.clusterManager.name (CEL) and allows other spec changes", async () => {
    const hub = clients(hubKubeconfig());
    const name = uniqueName("immutable");
    await createProfile(name);
    const patch = (spec: Record<string, unknown>): Promise<unknown> =>
      hub.objects.patch({ apiVersion: API, kind: "ClusterProfile", metadata: { name, namespace: ns }, spec }, undefined, undefined, "e2e-crds", undefined, PatchStrategy.MergePatch);

    const { code, status } = await rejection(() => patch({ clusterManager: { name: "someone-else" } }));
    expect(code).toBe(422);
    expect(status.message).toContain("spec.clusterManager.name");
    expect(status.message).toContain("immutable");

    await patch({ displayName: "renamed" });
    const stored = (await hub.custom.getNamespacedCustomObject({ ...profileRef, name })) as { spec: { displayName: string; clusterManager: { name: string } } };
    expect(stored.spec).toEqual({ displayName: "renamed", clusterManager: { name: "work-api" } });
  });

  it("accepts a full status and rejects a property with an empty name", async () => {
    const hub = clients(hubKubeconfig());
    const name = uniqueName("props");
    await createProfile(name);
    const current = async (): Promise<Obj> => (await hub.custom.getNamespacedCustomObject({ ...profileRef, name })) as Obj;
    const status = {
      conditions: [condition("ControlPlaneHealthy", "True", "Healthy"), condition("Joined", "True", "Joined")],
      version: { kubernetes: "v1.34.4" },
      properties: [
        { name: "cluster.clusterset.k8s.io", value: name, lastObservedTime: "2026-01-01T00:00:00Z" },
        { name: "clusterset.k8s.io", value: "localplane" },
      ],
      credentialProviders: [{ name: "token", cluster: { server: "https://127.0.0.1:6443", "certificate-authority-data": "Y2E=", "x-extra": "kept" } }],
    };
    await hub.custom.replaceNamespacedCustomObjectStatus({ ...profileRef, name, body: { ...(await current()), status } });
    expect((await current()).status).toEqual(status);

    const out = await kubectlOk(hubKubeconfig(), ["get", "clusterprofiles", "-n", ns, name]);
    const [head, line] = out.trim().split("\n");
    expect(head?.split(/\s{2,}/)).toEqual(["NAME", "MANAGER", "HEALTHY", "JOINED", "VERSION", "AGE"]);
    expect(line?.split(/\s+/).slice(0, 5)).toEqual([name, "work-api", "True", "True", "v1.34.4"]);

    const empty = await rejection(async () =>
      hub.custom.replaceNamespacedCustomObjectStatus({
        ...profileRef,
        name,
        body: { ...(await current()), status: { ...status, properties: [{ name: "", value: "x" }] } },
      }),
    );
    expect(empty.code).toBe(422);
    expect(empty.status.message).toContain("status.properties[0].name");
    expect(empty.status.message).toContain("at least 1 chars long");
  });

  it("keeps PlacementDecision decisions at the top level, at most 100", async () => {
    const hub = clients(hubKubeconfig());
    const decision = (i: number): Record<string, unknown> => ({ clusterProfileRef: { name: `cluster-${i}` }, reason: "selected" });
    const pd = (name: string, n: number): Obj => ({
      apiVersion: API,
      kind: "PlacementDecision",
      metadata: { name, namespace: ns, labels: { "multicluster.x-k8s.io/decision-key": "k" } },
      schedulerName: "e2e",
      decisions: Array.from({ length: n }, (_, i) => decision(i)),
    });
    const ok = pd(uniqueName("pd"), 100);
    await hub.objects.create(ok);
    const stored = await hub.objects.read<Obj>(ok);
    expect((stored.decisions as unknown[]).length).toBe(100);
    expect(stored.schedulerName).toBe("e2e");

    const tooMany = await rejection(() => hub.objects.create(pd(uniqueName("pd"), 101)));
    expect(tooMany.code).toBe(422);
    expect(tooMany.status.message).toContain("decisions: Too many: 101: must have at most 100 items");
  });
});

// ------------------------------------------------------------------ spoke CRDs

describe("spoke CRDs", () => {
  const created: Obj[] = [];
  afterAll(async () => {
    const spoke = clients(spokeKubeconfig(1));
    for (const o of created) await deleteIfExists(spoke.objects, o);
  });

  it("serves a ClusterProperty created as v1alpha1 as v1beta1 (the storage version)", async () => {
    const spoke = clients(spokeKubeconfig(1));
    const name = `${uniqueName("zone")}.example.com`;
    const alpha: Obj = { apiVersion: "about.k8s.io/v1alpha1", kind: "ClusterProperty", metadata: { name }, spec: { value: "eu-west-1" } };
    await spoke.objects.create(alpha);
    created.push(alpha);
    const beta = await spoke.objects.read<Obj>({ ...alpha, apiVersion: "about.k8s.io/v1beta1" });
    expect(beta.apiVersion).toBe("about.k8s.io/v1beta1");
    expect(beta.spec).toEqual({ value: "eu-west-1" });

    const out = await kubectlOk(spokeKubeconfig(1), ["get", "clusterproperties", name]);
    expect(out.trim().split("\n")[0]?.split(/\s{2,}/)).toEqual(["NAME", "VALUE", "AGE"]);
    expect(out).toContain("eu-west-1");
  });

  it.each(["v1alpha1", "v1beta1"])("rejects an empty ClusterProperty value in %s", async (v) => {
    const spoke = clients(spokeKubeconfig(1));
    const obj: Obj = { apiVersion: `about.k8s.io/${v}`, kind: "ClusterProperty", metadata: { name: uniqueName("empty") }, spec: { value: "" } };
    const { code, status } = await rejection(() => spoke.objects.create(obj));
    expect(code).toBe(422);
    expect(status.message).toContain("spec.value");
  });

  it("accepts the KEP's AppliedWork, including a status without ordinals", async () => {
    const spoke = clients(spokeKubeconfig(1));
    const name = uniqueName("applied-work");
    const aw: Obj = { apiVersion: API, kind: "AppliedWork", metadata: { name }, spec: { workName: "work-01", workNamespace: "cluster1" } };
    await spoke.objects.create(aw);
    created.push(aw);
    const status = {
      appliedResources: [
        { group: "apps", name: "nginx-deployment", namespace: "default", resource: "deployments", uid: "fcfe11e4-c658-4c6e-9985-d98b7a059d14", version: "v1" },
      ],
    };
    const ref = { group: "multicluster.x-k8s.io", version: "v1alpha1", plural: "appliedworks", name };
    const current = (await spoke.custom.getClusterCustomObject(ref)) as Obj;
    await spoke.custom.replaceClusterCustomObjectStatus({ ...ref, body: { ...current, status } });
    expect(((await spoke.custom.getClusterCustomObject(ref)) as Obj).status).toEqual(status);

    const out = await kubectlOk(spokeKubeconfig(1), ["get", "appliedworks", name]);
    const [head, line] = out.trim().split("\n");
    expect(head?.split(/\s{2,}/)).toEqual(["NAME", "WORK NAMESPACE", "WORK", "AGE"]);
    expect(line?.split(/\s+/).slice(0, 3)).toEqual([name, "cluster1", "work-01"]);

    const missing = await rejection(() =>
      spoke.objects.create({ apiVersion: API, kind: "AppliedWork", metadata: { name: uniqueName("aw") }, spec: { workName: "w" } }),
    );
    expect(missing.code).toBe(422);
    expect(missing.status.message).toContain("spec.workNamespace: Required value");
  });
});
