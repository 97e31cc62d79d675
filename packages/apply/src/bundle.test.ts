import { describe, expect, it } from "vitest";
import type { KubeObject } from "@work-api/api";
import { applyBundle } from "./bundle.js";
import { LastApplied } from "./last-applied.js";
import { pruneObjects } from "./prune.js";
import type { ApplyOptions, ApplyResponse, DeleteOutcome, Mapper, Preconditions, ResourceMapping, Target } from "./types.js";

class NoKindMatchError extends Error {
  override readonly name = "NoKindMatchError";
}

const KINDS: Record<string, ResourceMapping> = {
  "v1/Namespace": { group: "", version: "v1", resource: "namespaces", kind: "Namespace", namespaced: false },
  "v1/ConfigMap": { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: true },
  "apps/v1/Deployment": { group: "apps", version: "v1", resource: "deployments", kind: "Deployment", namespaced: true },
  "apiextensions.k8s.io/v1/CustomResourceDefinition": { group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions", kind: "CustomResourceDefinition", namespaced: false },
};

class FakeMapper implements Mapper {
  kinds = { ...KINDS };
  invalidations = 0;
  async resolve(apiVersion: string, kind: string): Promise<ResourceMapping> {
    const m = this.kinds[`${apiVersion}/${kind}`];
    if (!m) throw new NoKindMatchError(`no kind ${kind} in ${apiVersion}`);
    return m;
  }
  async resolveGroupKind(group: string, kind: string): Promise<ResourceMapping> {
    const m = Object.values(this.kinds).find((k) => k.group === group && k.kind === kind);
    if (!m) throw new NoKindMatchError(`no kind ${kind} in group ${group}`);
    return m;
  }
  invalidate(): void {
    this.invalidations++;
  }
}

class FakeTarget implements Target {
  store = new Map<string, KubeObject>();
  applies: string[] = [];
  rv = 1;
  failOn = new Map<string, Error>();
  onApply?: (obj: KubeObject) => void;
  /** group/version pairs the fake server no longer serves: reads and deletes there 404 for the resource. */
  unserved = new Set<string>();
  private served(m: ResourceMapping): void {
    if (this.unserved.has(`${m.group}/${m.version}`)) throw Object.assign(new Error("the server could not find the requested resource"), { statusCode: 404, status: { message: "the server could not find the requested resource", details: {} } });
  }
  key(m: ResourceMapping, ns: string | undefined, name: string): string {
    return `${m.resource}/${ns ?? ""}/${name}`;
  }
  async get(m: ResourceMapping, ns: string | undefined, name: string): Promise<KubeObject | undefined> {
    return this.store.get(this.key(m, ns, name));
  }
  async read(m: ResourceMapping, ns: string | undefined, name: string): Promise<KubeObject | undefined> {
    this.served(m);
    return this.store.get(this.key(m, ns, name));
  }
  /** An out-of-band field manager holding a field: unforced applies answer 409 with the conflict. */
  heldBy?: string;
  async apply(m: ResourceMapping, obj: KubeObject, opts: ApplyOptions): Promise<ApplyResponse> {
    const k = this.key(m, obj.metadata?.namespace, obj.metadata!.name!);
    this.applies.push(k);
    if (this.heldBy !== undefined && !opts.force) {
      throw Object.assign(new Error("Apply failed with 1 conflict"), { statusCode: 409, status: { details: { causes: [{ reason: "FieldManagerConflict", message: `conflict with "${this.heldBy}" using v1`, field: ".data.a" }] } } });
    }
    const fail = this.failOn.get(k);
    if (fail) throw fail;
    const prev = this.store.get(k);
    const next = structuredClone({ ...obj, metadata: { ...obj.metadata, uid: prev?.metadata?.uid ?? `uid-${k}`, resourceVersion: String(++this.rv) } });
    this.store.set(k, next);
    this.onApply?.(next);
    return { object: next, created: !prev };
  }
  async delete(m: ResourceMapping, ns: string | undefined, name: string, pre: Preconditions): Promise<DeleteOutcome> {
    this.served(m);
    const k = this.key(m, ns, name);
    const cur = this.store.get(k);
    if (!cur) return "absent";
    if ((pre.uid && cur.metadata?.uid !== pre.uid) || (pre.resourceVersion && cur.metadata?.resourceVersion !== pre.resourceVersion)) throw Object.assign(new Error("precondition failed"), { statusCode: 409 });
    if (cur.metadata?.finalizers?.length) {
      cur.metadata.deletionTimestamp = "now";
      return "terminating";
    }
    this.store.delete(k);
    return "deleted";
  }
  async mergePatch(): Promise<KubeObject> {
    throw new Error("not used by these tests (orphan.test.ts covers merge patches)");
  }
}

const ns = { apiVersion: "v1", kind: "Namespace", metadata: { name: "demo" } };
const cm = (name: string, data: Record<string, string> = { a: "1" }) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "demo" }, data });
const deploy = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "demo" }, spec: { replicas: 0 } };
const owner = { apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "AppliedWork", name: "aw", uid: "aw-uid" };

function opts(target: FakeTarget, mapper = new FakeMapper(), extra: object = {}) {
  return { mapper, target, fieldManager: "work-agent-x", force: true, owner, labels: { l: "v" }, ...extra };
}

describe("applyBundle", () => {
  it("applies in kind order and reports results by ordinal", async () => {
    const t = new FakeTarget();
    const res = await applyBundle([deploy, cm("c"), ns], opts(t));
    expect(t.applies).toEqual(["namespaces//demo", "configmaps/demo/c", "deployments/demo/web"]);
    expect(res.map((r) => [r.ordinal, r.action])).toEqual([[0, "created"], [1, "created"], [2, "created"]]);
    expect(res[1]?.identifier).toEqual({ ordinal: 1, group: "", version: "v1", kind: "ConfigMap", resource: "configmaps", namespace: "demo", name: "c" });
  });

  it("owns every object by the AppliedWork, cluster-scoped ones too", async () => {
    const t = new FakeTarget();
    await applyBundle([ns, cm("c")], opts(t));
    expect(t.store.get("configmaps/demo/c")?.metadata?.ownerReferences).toEqual([{ ...owner, controller: false, blockOwnerDeletion: false }]);
    expect(t.store.get("namespaces//demo")?.metadata?.ownerReferences).toEqual([{ ...owner, controller: false, blockOwnerDeletion: false }]);
    expect(t.store.get("namespaces//demo")?.metadata?.labels).toEqual({ l: "v" });
  });

  it("does not write when nothing changed", async () => {
    const t = new FakeTarget();
    await applyBundle([ns, cm("c"), deploy], opts(t));
    t.applies = [];
    const res = await applyBundle([ns, cm("c"), deploy], opts(t));
    expect(t.applies).toEqual([]);
    expect(res.every((r) => r.action === "unchanged")).toBe(true);
  });

  it("re-applies a drifted object and reports it configured", async () => {
    const t = new FakeTarget();
    await applyBundle([cm("c")], opts(t));
    const live = t.store.get("configmaps/demo/c")!;
    t.store.set("configmaps/demo/c", { ...live, data: { a: "edited" } });
    const res = await applyBundle([cm("c")], opts(t));
    expect(res[0]?.action).toBe("configured");
    expect(t.store.get("configmaps/demo/c")?.data).toEqual({ a: "1" });
  });

  it("flags a revert of an out-of-band change as drift, an edit of the Work not", async () => {
    const t = new FakeTarget();
    const o = opts(t, new FakeMapper(), { recordAnnotation: "work.multicluster.x-k8s.io/applied-x" });
    await applyBundle([cm("c")], o);
    const live = t.store.get("configmaps/demo/c")!;
    t.store.set("configmaps/demo/c", { ...live, data: { a: "edited" } });
    const reverted = await applyBundle([cm("c")], o);
    expect(reverted[0]).toMatchObject({ action: "configured", drift: "modified" });
    expect(reverted[0]?.forced).toBeUndefined();
    // What was reverted is read from the live object before the apply (after it, nothing differs).
    expect(reverted[0]?.differences).toEqual([{ path: ".data.a", valueInMember: '"edited"', valueInHub: '"1"' }]);
    const edited = await applyBundle([cm("c", { a: "2" })], o);
    expect(edited[0]?.action).toBe("configured");
    expect(edited[0]?.drift).toBeUndefined();
    // Without a record annotation nothing tells drift from an edit: never flagged.
    t.store.set("configmaps/demo/c", { ...t.store.get("configmaps/demo/c")!, data: { a: "edited" } });
    expect((await applyBundle([cm("c", { a: "2" })], opts(t)))[0]?.drift).toBeUndefined();
  });

  it("marks an apply forced over an out-of-band manager; without force it fails as ApplyConflict", async () => {
    const t = new FakeTarget();
    await applyBundle([cm("c")], opts(t));
    t.heldBy = "kubectl-edit";
    const forced = await applyBundle([cm("c", { a: "2" })], opts(t));
    expect(forced[0]).toMatchObject({ action: "configured", forced: true });
    const refused = await applyBundle([cm("c", { a: "3" })], opts(t, new FakeMapper(), { force: false }));
    expect(refused[0]).toMatchObject({ action: "failed", reason: "ApplyConflict" });
    expect(refused[0]?.forced).toBeUndefined();
  });

  it("does not re-apply a value the server normalised when it applied it itself", async () => {
    const t = new FakeTarget();
    t.onApply = (o) => {
      if (o.kind === "ConfigMap") (o.data as Record<string, string>).a = "normalised";
    };
    const la = new LastApplied();
    await applyBundle([cm("c")], opts(t, new FakeMapper(), { lastApplied: la }));
    t.applies = [];
    const res = await applyBundle([cm("c")], opts(t, new FakeMapper(), { lastApplied: la }));
    expect(t.applies).toEqual([]);
    expect(res[0]?.action).toBe("unchanged");
  });

  it("fails a bad manifest on its own and still applies the others", async () => {
    const t = new FakeTarget();
    const res = await applyBundle([cm("a"), { kind: "ConfigMap", metadata: { name: "x" } }, { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w", namespace: "demo" } }, cm("b")], opts(t));
    expect(res.map((r) => r.action)).toEqual(["created", "failed", "failed", "created"]);
    expect(res[1]).toMatchObject({ reason: "ManifestInvalid", message: "manifest 1 (ConfigMap x): missing apiVersion" });
    expect(res[2]).toMatchObject({ reason: "KindNotFound" });
    expect(res[2]?.message).toMatch(/^manifest 2 \(Widget demo\/w\): .*Widget.*CRD/);
  });

  it("checks scope against discovery", async () => {
    const t = new FakeTarget();
    const res = await applyBundle([{ ...cm("c"), metadata: { name: "c" } }, { ...ns, metadata: { name: "n", namespace: "demo" } }], opts(t));
    expect(res.map((r) => r.reason)).toEqual(["NamespaceRequired", "NamespaceNotAllowed"]);
    expect(res[0]?.message).toBe("manifest 0 (ConfigMap c): ConfigMap is namespaced; set metadata.namespace");
    expect(t.applies).toEqual([]);
  });

  it("applies only the first of two manifests naming the same object", async () => {
    const t = new FakeTarget();
    const res = await applyBundle([cm("c"), cm("c", { a: "2" })], opts(t));
    expect(res.map((r) => r.action)).toEqual(["created", "failed"]);
    expect(res[1]).toMatchObject({ reason: "DuplicateManifest", message: "manifest 1 (ConfigMap demo/c): names the same object as manifest 0; only manifest 0 is applied" });
  });

  it("names the manifest in an API server rejection", async () => {
    const t = new FakeTarget();
    t.failOn.set("configmaps/demo/c", Object.assign(new Error('ConfigMap "c" is invalid: data: unknown field'), { statusCode: 422 }));
    const res = await applyBundle([cm("c"), cm("d")], opts(t));
    expect(res[0]).toMatchObject({ action: "failed", reason: "ManifestRejected" });
    expect(res[0]?.message).toMatch(/^manifest 0 \(ConfigMap demo\/c\): rejected by the API server: /);
    expect(res[1]?.action).toBe("created");
  });

  it("waits for a CRD of the same bundle before applying its custom resources", async () => {
    const t = new FakeTarget();
    const mapper = new FakeMapper();
    const crd = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "widgets.example.com" }, spec: { group: "example.com", names: { kind: "Widget" } } };
    const widget = { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w", namespace: "demo" } };
    t.onApply = (o) => {
      if (o.kind === "CustomResourceDefinition") setTimeout(() => (mapper.kinds["example.com/v1/Widget"] = { group: "example.com", version: "v1", resource: "widgets", kind: "Widget", namespaced: true }), 30);
    };
    const res = await applyBundle([widget, crd], opts(t, mapper, { crdPollMs: 10 }));
    expect(res.map((r) => r.action)).toEqual(["created", "created"]);
    expect(t.applies).toEqual(["customresourcedefinitions//widgets.example.com", "widgets/demo/w"]);
    expect(mapper.invalidations).toBeGreaterThan(0);
  });
});

describe("pruneObjects", () => {
  const pruneOpts = (t: FakeTarget, mapper: Mapper = new FakeMapper()) => ({ target: t, mapper, fieldManager: "work-agent-x", ownerUid: owner.uid });

  it("deletes in reverse apply order and leaves alone an object someone else re-created under the same name", async () => {
    const t = new FakeTarget();
    await applyBundle([ns, cm("c"), deploy], opts(t));
    // Someone deleted the ConfigMap and created their own: another uid, no ownerReference of this Work.
    t.store.set("configmaps/demo/c", { ...cm("c"), metadata: { name: "c", namespace: "demo", uid: "other-uid", resourceVersion: "99" } });
    const refs = [
      { ordinal: 0, group: "", version: "v1", kind: "Namespace", resource: "namespaces", name: "demo", uid: "uid-namespaces//demo" },
      { ordinal: 1, group: "", version: "v1", kind: "ConfigMap", resource: "configmaps", namespace: "demo", name: "c", uid: "uid-configmaps/demo/c" },
      { ordinal: 2, group: "apps", version: "v1", kind: "Deployment", resource: "deployments", namespace: "demo", name: "web", uid: "uid-deployments/demo/web" },
    ];
    const res = await pruneObjects(refs, pruneOpts(t));
    expect(res.map((r) => [r.ref.kind, r.action])).toEqual([["Deployment", "pruned"], ["ConfigMap", "pruned"], ["Namespace", "pruned"]]);
    expect(res[1]?.message).toContain("replaced by another object");
    expect(t.store.get("configmaps/demo/c")?.metadata?.uid).toBe("other-uid");
    expect(t.store.has("deployments/demo/web")).toBe(false);
    expect(t.store.has("namespaces//demo")).toBe(false);
  });

  it("reports an object held by finalizers as terminating", async () => {
    const t = new FakeTarget();
    await applyBundle([{ ...cm("c"), metadata: { name: "c", namespace: "demo", finalizers: ["x/y"] } }], opts(t));
    const res = await pruneObjects([{ ordinal: 0, group: "", version: "v1", kind: "ConfigMap", resource: "configmaps", namespace: "demo", name: "c" }], pruneOpts(t));
    expect(res.map((r) => r.action)).toEqual(["terminating"]);
  });

  it("deletes through the version discovery serves now, not the recorded one", async () => {
    const t = new FakeTarget();
    const mapper = new FakeMapper();
    mapper.kinds["example.com/v2/Widget"] = { group: "example.com", version: "v2", resource: "widgets", kind: "Widget", namespaced: true };
    await applyBundle([{ apiVersion: "example.com/v2", kind: "Widget", metadata: { name: "w", namespace: "demo" } }], opts(t, mapper));
    t.unserved.add("example.com/v1");
    const res = await pruneObjects([{ ordinal: 0, group: "example.com", version: "v1", kind: "Widget", resource: "widgets", namespace: "demo", name: "w" }], pruneOpts(t, mapper));
    expect(res.map((r) => r.action)).toEqual(["pruned"]);
    expect(t.store.has("widgets/demo/w")).toBe(false);
  });

  it("never touches an object it never applied, nor an entry whose scope cannot fit its kind", async () => {
    const t = new FakeTarget();
    t.store.set("configmaps/demo/c", { ...cm("c"), metadata: { name: "c", namespace: "demo", uid: "theirs", resourceVersion: "5" } });
    t.store.set("namespaces//demo", { ...ns, metadata: { name: "demo", uid: "ns", resourceVersion: "6", ownerReferences: [{ ...owner }] } });
    const res = await pruneObjects(
      [
        { ordinal: 0, group: "", version: "v1", kind: "ConfigMap", resource: "", namespace: "demo", name: "c" },
        { ordinal: 1, group: "", version: "v1", kind: "Namespace", resource: "", namespace: "bogus", name: "demo" },
      ],
      pruneOpts(t),
    );
    expect(res.map((r) => r.action)).toEqual(["pruned", "pruned"]);
    expect(res[0]?.message).toContain("never written by this Work");
    expect(t.applies).toEqual([]);
    expect(t.store.has("configmaps/demo/c")).toBe(true);
    expect(t.store.has("namespaces//demo")).toBe(true);
  });
});
