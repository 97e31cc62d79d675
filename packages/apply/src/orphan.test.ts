/**
 * Prune decisions under spec.deleteOption, with fakes: what is orphaned (values and uid kept, this
 * Work's ownerReference, label, annotation and field managers gone), what is released or handed off
 * instead (shared objects), the Namespaces and CRDs that would take orphaned objects along, and the
 * owner reference left off at apply time.
 */
import { describe, expect, it } from "vitest";
import type { KubeObject } from "@work-api/api";
import { applyBundle } from "./bundle.js";
import { pruneObjects, RELEASED_ANNOTATION, type PruneOptions } from "./prune.js";
import type { AppliedRef, ApplyOptions, ApplyResponse, DeleteOutcome, Mapper, Preconditions, ResourceMapping, Target } from "./types.js";

const HOLDS = "work.multicluster.x-k8s.io/holds-orphans";
const ID = "0123456789";
const FM = `work-agent-${ID}`;
const LABEL = "work.multicluster.x-k8s.io/agent-x";
const RECORD = `work.multicluster.x-k8s.io/applied-${ID}`;
const mine = { apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "AppliedWork", name: `c1.w-${ID}`, uid: "aw-uid" };
const theirs = { apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "AppliedWork", name: "c1.other-abcdefabcd", uid: "other-uid" };

const KINDS: ResourceMapping[] = [
  { group: "", version: "v1", resource: "namespaces", kind: "Namespace", namespaced: false },
  { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: true },
  { group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions", kind: "CustomResourceDefinition", namespaced: false },
  { group: "example.com", version: "v1", resource: "widgets", kind: "Widget", namespaced: true },
];

class NoKindMatchError extends Error {
  override readonly name = "NoKindMatchError";
}

const mapper: Mapper = {
  resolve: async (apiVersion, kind) => {
    const m = KINDS.find((k) => (k.group === "" ? k.version : `${k.group}/${k.version}`) === apiVersion && k.kind === kind);
    if (!m) throw new NoKindMatchError(kind);
    return m;
  },
  resolveGroupKind: async (group, kind) => {
    const m = KINDS.find((k) => k.group === group && k.kind === kind);
    if (!m) throw new NoKindMatchError(kind);
    return m;
  },
  invalidate: () => undefined,
};

type Patch = { metadata?: Record<string, unknown> };

function merge(into: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = into && typeof into === "object" && !Array.isArray(into) ? { ...(into as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = merge(out[k], v);
  }
  return out;
}

/** A store with the API server's rules that matter here: uid/resourceVersion preconditions, a merge patch, `[{}]` clearing managedFields. */
class Store implements Target {
  objects = new Map<string, KubeObject>();
  applies: string[] = [];
  patches: { key: string; patch: Patch }[] = [];
  deletes: string[] = [];
  /** Resources whose merge patches the server refuses (403). */
  refusePatch = new Set<string>();
  /** The server ignores the managedFields of a patch (as for a list it cannot decode). */
  ignoreManagedFields = false;
  private rv = 100;
  key(m: ResourceMapping, ns: string | undefined, name: string): string {
    return `${m.resource}/${ns ?? ""}/${name}`;
  }
  put(resource: string, obj: KubeObject): void {
    this.objects.set(`${resource}/${obj.metadata?.namespace ?? ""}/${obj.metadata!.name!}`, obj);
  }
  at(resource: string, ns: string, name: string): KubeObject | undefined {
    return this.objects.get(`${resource}/${ns}/${name}`);
  }
  async get(m: ResourceMapping, ns: string | undefined, name: string): Promise<KubeObject | undefined> {
    return this.objects.get(this.key(m, ns, name));
  }
  async read(m: ResourceMapping, ns: string | undefined, name: string): Promise<KubeObject | undefined> {
    return structuredClone(this.objects.get(this.key(m, ns, name)));
  }
  async apply(m: ResourceMapping, obj: KubeObject, _opts: ApplyOptions): Promise<ApplyResponse> {
    const k = this.key(m, obj.metadata?.namespace, obj.metadata!.name!);
    this.applies.push(k);
    const prev = this.objects.get(k);
    const next = structuredClone({ ...obj, metadata: { ...obj.metadata, uid: prev?.metadata?.uid ?? `uid-${obj.metadata!.name!}`, resourceVersion: String(++this.rv) } });
    this.objects.set(k, next);
    return { object: next, created: !prev };
  }
  async delete(m: ResourceMapping, ns: string | undefined, name: string, pre: Preconditions): Promise<DeleteOutcome> {
    const k = this.key(m, ns, name);
    const cur = this.objects.get(k);
    if (!cur) return "absent";
    if ((pre.uid && cur.metadata?.uid !== pre.uid) || (pre.resourceVersion && cur.metadata?.resourceVersion !== pre.resourceVersion)) throw Object.assign(new Error("precondition failed"), { statusCode: 409 });
    this.deletes.push(k);
    this.objects.delete(k);
    return "deleted";
  }
  async mergePatch(m: ResourceMapping, ns: string | undefined, name: string, patch: object): Promise<KubeObject> {
    const k = this.key(m, ns, name);
    if (this.refusePatch.has(m.resource)) throw Object.assign(new Error(`${m.resource} "${name}" is forbidden`), { statusCode: 403 });
    const cur = this.objects.get(k);
    if (!cur) throw Object.assign(new Error("not found"), { statusCode: 404, status: { details: { kind: m.resource, name } } });
    const md = (patch as Patch).metadata ?? {};
    if (md.resourceVersion !== undefined && md.resourceVersion !== cur.metadata?.resourceVersion) throw Object.assign(new Error("conflict"), { statusCode: 409 });
    this.patches.push({ key: k, patch: patch });
    const { managedFields, ...rest } = md;
    const next = merge(cur, { ...patch, metadata: rest }) as KubeObject;
    if (managedFields !== undefined && !this.ignoreManagedFields) {
      const list = managedFields as object[];
      next.metadata!.managedFields = list.length === 1 && Object.keys(list[0]!).length === 0 ? [] : (list);
    }
    next.metadata!.resourceVersion = String(++this.rv);
    this.objects.set(k, next);
    return structuredClone(next);
  }
}

/** A live object this Work applied (with a manager of this Work under an older --field-manager base too). */
function applied(kind: string, ns: string, name: string, extra: Partial<NonNullable<KubeObject["metadata"]>> = {}, data: Record<string, string> = { k: "v" }): KubeObject {
  const m = KINDS.find((k) => k.kind === kind)!;
  return {
    apiVersion: m.group === "" ? m.version : `${m.group}/${m.version}`,
    kind,
    metadata: {
      name,
      ...(ns ? { namespace: ns } : {}),
      uid: `uid-${name}`,
      resourceVersion: "7",
      ownerReferences: [mine],
      labels: { [LABEL]: "", team: "a" },
      annotations: { [RECORD]: "hash", note: "n" },
      managedFields: [
        { manager: FM, operation: "Apply" },
        { manager: `old-base-${ID}`, operation: "Apply" },
        { manager: "kubectl-edit", operation: "Update" },
      ],
      ...extra,
    },
    data,
  };
}

function ref(kind: string, ns: string, name: string, over: Partial<AppliedRef> = {}): AppliedRef {
  const m = KINDS.find((k) => k.kind === kind)!;
  return { ordinal: 0, group: m.group, version: m.version, kind, resource: m.resource, ...(ns ? { namespace: ns } : {}), name, uid: `uid-${name}`, ...over };
}

const RESOURCE: Record<string, string> = Object.fromEntries(KINDS.map((k) => [k.kind, k.resource]));

function store(...objects: KubeObject[]): Store {
  const s = new Store();
  for (const o of objects) s.put(RESOURCE[o.kind!]!, o);
  return s;
}

function opts(t: Store, extra: Partial<PruneOptions> = {}): PruneOptions {
  return { target: t, mapper, fieldManager: FM, ownerUid: mine.uid, ownMetadata: { labels: [LABEL], annotations: [RECORD] }, ...extra };
}

const all = (): boolean => true;
const named = (...names: string[]) => (id: { name: string }): boolean => names.includes(id.name);
const actions = (res: readonly { ref: AppliedRef; action: string }[]): Record<string, string> => Object.fromEntries(res.map((r) => [`${r.ref.kind}/${r.ref.name}`, r.action]));

/** Nothing of this Work left on the object; everything else as it was. */
function expectOrphaned(o: KubeObject | undefined, uid: string): void {
  expect(o, "still there").toBeDefined();
  expect(o!.metadata?.uid).toBe(uid);
  expect((o as { data?: unknown }).data).toEqual({ k: "v" });
  expect(o!.metadata?.ownerReferences ?? []).toEqual([]);
  expect(o!.metadata?.labels).toEqual({ team: "a" });
  expect(o!.metadata?.annotations?.[RECORD]).toBeUndefined();
  expect(o!.metadata?.annotations?.note).toBe("n");
  expect(o!.metadata?.managedFields).toEqual([{ manager: "kubectl-edit", operation: "Update" }]);
}

describe("pruneObjects with spec.deleteOption", () => {
  it("Orphan: the object stays with its uid and values; this Work's ownerReference, label, record annotation and field managers (by work id) go, in one patch under the resourceVersion read", async () => {
    const t = store(applied("ConfigMap", "demo", "keep", { ownerReferences: [mine, { apiVersion: "v1", kind: "ConfigMap", name: "parent", uid: "uid-parent" }] }));
    const res = await pruneObjects([ref("ConfigMap", "demo", "keep")], opts(t, { orphan: all }));
    expect(actions(res)).toEqual({ "ConfigMap/keep": "orphaned" });
    expect(res[0]!.message).toMatch(/orphaned/);
    const kept = t.at("configmaps", "demo", "keep")!;
    expect(kept.metadata?.ownerReferences).toEqual([{ apiVersion: "v1", kind: "ConfigMap", name: "parent", uid: "uid-parent" }]);
    expectOrphaned({ ...kept, metadata: { ...kept.metadata, ownerReferences: [] } }, "uid-keep");
    expect(t.patches).toHaveLength(1);
    expect(t.patches[0]!.patch.metadata?.resourceVersion).toBe("7");
    expect(t.applies).toEqual([]);
    expect(t.deletes).toEqual([]);
  });

  it("SelectivelyOrphan: rules match the resource discovery resolves, not the inventory entry's (empty before the first apply); the others are deleted", async () => {
    const t = store(applied("ConfigMap", "demo", "keep"), applied("ConfigMap", "demo", "gone"));
    const byResource = (id: { resource: string; name: string }): boolean => id.resource === "configmaps" && id.name === "keep";
    const res = await pruneObjects([ref("ConfigMap", "demo", "keep", { resource: "" }), ref("ConfigMap", "demo", "gone", { resource: "" })], opts(t, { orphan: byResource }));
    expect(actions(res)).toEqual({ "ConfigMap/keep": "orphaned", "ConfigMap/gone": "pruned" });
    expectOrphaned(t.at("configmaps", "demo", "keep"), "uid-keep");
    expect(t.at("configmaps", "demo", "gone")).toBeUndefined();
  });

  it("a Namespace that holds an orphaned object is orphaned too (marked first), never deleted, and says why", async () => {
    const t = store(applied("Namespace", "", "demo"), applied("ConfigMap", "demo", "keep"), applied("ConfigMap", "demo", "gone"));
    const res = await pruneObjects([ref("Namespace", "", "demo"), ref("ConfigMap", "demo", "keep"), ref("ConfigMap", "demo", "gone")], opts(t, { orphan: named("keep") }));
    expect(actions(res)).toEqual({ "ConfigMap/keep": "orphaned", "ConfigMap/gone": "pruned", "Namespace/demo": "orphaned" });
    expect(res.find((r) => r.ref.kind === "Namespace")!.message).toMatch(/holds orphaned objects/);
    const ns = t.at("namespaces", "", "demo")!;
    expect(ns.metadata?.uid).toBe("uid-demo");
    expect(ns.metadata?.annotations?.[HOLDS]).toBeDefined();
    expect(ns.metadata?.ownerReferences ?? []).toEqual([]);
    expect(t.deletes).toEqual(["configmaps/demo/gone"]);
    // The mark went on before the object lost this Work's ownership.
    expect(t.patches.map((p) => p.key)).toEqual(["namespaces//demo", "configmaps/demo/keep", "namespaces//demo"]);
  });

  it("a CRD whose custom resources were orphaned is orphaned too", async () => {
    const crd = applied("CustomResourceDefinition", "", "widgets.example.com");
    const t = store(crd, applied("Widget", "demo", "w"));
    const res = await pruneObjects([ref("CustomResourceDefinition", "", "widgets.example.com"), ref("Widget", "demo", "w")], opts(t, { orphan: named("w") }));
    expect(actions(res)).toEqual({ "Widget/w": "orphaned", "CustomResourceDefinition/widgets.example.com": "orphaned" });
    expect(res[1]!.message).toMatch(/custom resources/);
    expect(t.at("customresourcedefinitions", "", "widgets.example.com")?.metadata?.annotations?.[HOLDS]).toBeDefined();
    expect(t.deletes).toEqual([]);
  });

  it("a Namespace marked as holding orphaned objects (orphaned earlier) stays even under Foreground", async () => {
    const t = store(applied("Namespace", "", "demo", { annotations: { [RECORD]: "hash", [HOLDS]: "true" } }));
    const res = await pruneObjects([ref("Namespace", "", "demo")], opts(t));
    expect(actions(res)).toEqual({ "Namespace/demo": "orphaned" });
    expect(t.deletes).toEqual([]);
    expect(t.at("namespaces", "", "demo")?.metadata?.ownerReferences ?? []).toEqual([]);
  });

  it("a handed-off Namespace is deleted after a genuine delete in it only: not after an already gone or orphaned object", async () => {
    const handedOff = (): KubeObject => ({ apiVersion: "v1", kind: "Namespace", metadata: { name: "shared", uid: "uid-shared", resourceVersion: "3", annotations: { [RELEASED_ANNOTATION]: "true" } } });
    // Already gone: nothing was deleted in it.
    let t = store(handedOff());
    await pruneObjects([ref("ConfigMap", "shared", "absent")], opts(t));
    expect(t.at("namespaces", "", "shared"), "kept after an already gone object").toBeDefined();
    // Orphaned: deleting the Namespace would take it.
    t = store(handedOff(), applied("ConfigMap", "shared", "keep"));
    await pruneObjects([ref("ConfigMap", "shared", "keep")], opts(t, { orphan: all }));
    expect(t.at("namespaces", "", "shared"), "kept after an orphaned object").toBeDefined();
    expectOrphaned(t.at("configmaps", "shared", "keep"), "uid-keep");
    // Deleted: as before, the last Work with objects in it deletes it.
    t = store(handedOff(), applied("ConfigMap", "shared", "gone"));
    await pruneObjects([ref("ConfigMap", "shared", "gone")], opts(t));
    expect(t.at("namespaces", "", "shared"), "deleted after a genuine delete").toBeUndefined();
  });

  it("a shared object (another AppliedWork owns it) is released with its values kept, not orphaned and not emptied by an apply", async () => {
    const t = store(applied("ConfigMap", "demo", "both", { ownerReferences: [mine, theirs], managedFields: [{ manager: FM, operation: "Apply" }, { manager: "work-agent-abcdefabcd", operation: "Apply" }] }));
    const res = await pruneObjects([ref("ConfigMap", "demo", "both")], opts(t, { orphan: all }));
    expect(actions(res)).toEqual({ "ConfigMap/both": "released" });
    expect(res[0]!.message).toMatch(/values kept/);
    const o = t.at("configmaps", "demo", "both")!;
    expect((o as { data?: unknown }).data).toEqual({ k: "v" });
    expect(o.metadata?.ownerReferences).toEqual([theirs]);
    expect(o.metadata?.managedFields).toEqual([{ manager: "work-agent-abcdefabcd", operation: "Apply" }]);
    // The agent's label stays while another Work's AppliedWork owns the object.
    expect(o.metadata?.labels?.[LABEL]).toBe("");
    expect(t.applies).toEqual([]);
  });

  it("an object no other AppliedWork owns but another Work lists is handed off with its values kept", async () => {
    const t = store(applied("ConfigMap", "demo", "wanted"));
    const res = await pruneObjects([ref("ConfigMap", "demo", "wanted")], opts(t, { orphan: all, inUse: async () => true }));
    expect(actions(res)).toEqual({ "ConfigMap/wanted": "released" });
    const o = t.at("configmaps", "demo", "wanted")!;
    expect(o.metadata?.annotations?.[RELEASED_ANNOTATION]).toBe("true");
    expect((o as { data?: unknown }).data).toEqual({ k: "v" });
    expect(o.metadata?.ownerReferences ?? []).toEqual([]);
    expect(t.applies).toEqual([]);
  });

  it("an orphaned object that had been handed off loses the hand-off mark (no later Work deletes it)", async () => {
    const t = store(applied("ConfigMap", "demo", "h", { ownerReferences: [], annotations: { [RECORD]: "hash", note: "n", [RELEASED_ANNOTATION]: "true" } }));
    const res = await pruneObjects([ref("ConfigMap", "demo", "h")], opts(t, { orphan: all }));
    expect(actions(res)).toEqual({ "ConfigMap/h": "orphaned" });
    expect(t.at("configmaps", "demo", "h")?.metadata?.annotations).toEqual({ note: "n" });
  });

  it("an object applied without this Work's ownerReference (the option then orphaned it) is still this Work's: Foreground deletes it", async () => {
    const t = store(applied("ConfigMap", "demo", "was-orphaned", { ownerReferences: [] }));
    const res = await pruneObjects([ref("ConfigMap", "demo", "was-orphaned")], opts(t, { ownerless: all }));
    expect(actions(res)).toEqual({ "ConfigMap/was-orphaned": "pruned" });
    expect(t.deletes).toEqual(["configmaps/demo/was-orphaned"]);
  });

  it("says orphan failed, not delete failed, when the server kept this Work's field manager", async () => {
    const t = store(applied("ConfigMap", "demo", "keep"));
    t.ignoreManagedFields = true;
    const res = await pruneObjects([ref("ConfigMap", "demo", "keep")], opts(t, { orphan: all }));
    expect(res[0]!.action).toBe("failed");
    expect(res[0]!.message).toMatch(/orphan failed/);
    expect(res[0]!.message).toContain(FM);
  });

  it("does not orphan an object whose Namespace cannot be marked (orphan failed; retried)", async () => {
    const t = store(applied("Namespace", "", "demo"), applied("ConfigMap", "demo", "keep"));
    t.refusePatch.add("namespaces");
    const res = await pruneObjects([ref("ConfigMap", "demo", "keep")], opts(t, { orphan: all, keep: [ref("Namespace", "", "demo")] }));
    expect(res[0]!.action).toBe("failed");
    expect(res[0]!.message).toMatch(/orphan failed/);
    expect(t.at("configmaps", "demo", "keep")?.metadata?.ownerReferences).toEqual([mine]);
  });
});

describe("pruneObjects: objects the Work only looks at (ReadOnly, ReportDiff) beside the deleteOption", () => {
  const lookOnly = (...names: string[]) => (r: AppliedRef): boolean => names.includes(r.name);

  it("one applied before the switch loses this Work's owner, label and managers, so deleting the AppliedWork leaves it; nothing else is written", async () => {
    const t = store(applied("ConfigMap", "demo", "switched"));
    const res = await pruneObjects([ref("ConfigMap", "demo", "switched")], opts(t, { leaveAlone: lookOnly("switched"), orphan: all }));
    expect(actions(res)).toEqual({ "ConfigMap/switched": "orphaned" });
    expectOrphaned(t.at("configmaps", "demo", "switched"), "uid-switched");
    expect(t.applies).toEqual([]);
    expect(t.deletes).toEqual([]);
  });

  it("under Foreground too: a look-only object is never deleted, and does not keep this Work's owner reference", async () => {
    const t = store(applied("ConfigMap", "demo", "switched"));
    const res = await pruneObjects([ref("ConfigMap", "demo", "switched")], opts(t, { leaveAlone: lookOnly("switched") }));
    expect(actions(res)).toEqual({ "ConfigMap/switched": "released" });
    expectOrphaned(t.at("configmaps", "demo", "switched"), "uid-switched");
  });

  it("under Foreground the Work's own Namespace is still deleted (it takes the look-only object along) and is not marked as holding orphans", async () => {
    const t = store(applied("Namespace", "", "app"), applied("ConfigMap", "app", "switched"));
    const res = await pruneObjects([ref("Namespace", "", "app"), ref("ConfigMap", "app", "switched")], opts(t, { leaveAlone: lookOnly("switched") }));
    expect(actions(res)).toEqual({ "ConfigMap/switched": "released", "Namespace/app": "pruned" });
    expect(t.deletes).toEqual(["namespaces//app"]);
    expect(t.patches.map((p) => p.key)).toEqual(["configmaps/app/switched"]);
  });

  it("one someone else made is left exactly as it is (no patch)", async () => {
    const foreign: KubeObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ext", namespace: "demo", uid: "uid-ext", resourceVersion: "3", managedFields: [{ manager: "kubectl-create", operation: "Update" }] }, data: { k: "v" } };
    const t = store(foreign);
    const res = await pruneObjects([ref("ConfigMap", "demo", "ext")], opts(t, { leaveAlone: lookOnly("ext") }));
    expect(res[0]).toMatchObject({ action: "pruned", message: expect.stringMatching(/only looked at .*; left alone$/) });
    expect(t.patches).toEqual([]);
    expect(t.at("configmaps", "demo", "ext")).toEqual(foreign);
  });

  it("a rule naming a look-only object in the Work's own Namespace keeps that Namespace (it would take the object along)", async () => {
    const foreign: KubeObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ext", namespace: "app", uid: "uid-ext", resourceVersion: "3" }, data: { k: "v" } };
    const t = store(applied("Namespace", "", "app"), foreign);
    const res = await pruneObjects([ref("Namespace", "", "app"), ref("ConfigMap", "app", "ext")], opts(t, { leaveAlone: lookOnly("ext"), orphan: named("ext"), ownerless: named("ext", "app") }));
    expect(actions(res)).toEqual({ "ConfigMap/ext": "pruned", "Namespace/app": "orphaned" });
    expect(t.deletes).toEqual([]);
    expect(t.at("configmaps", "app", "ext")).toBeDefined();
    expect(t.at("namespaces", "", "app")?.metadata?.annotations?.[HOLDS]).toBeDefined();
  });
});

describe("pruneObjects: an object applied without the owner reference and not written since (CreateOnly)", () => {
  it("is still this Work's under Foreground once the option no longer orphans it: deleted, never emptied by a release", async () => {
    const t = store(applied("ConfigMap", "demo", "created-once", { ownerReferences: [] }));
    const res = await pruneObjects([ref("ConfigMap", "demo", "created-once")], opts(t));
    expect(actions(res)).toEqual({ "ConfigMap/created-once": "pruned" });
    expect(t.deletes).toEqual(["configmaps/demo/created-once"]);
    expect(t.applies).toEqual([]);
  });

  it("but not one replaced by another object of the same name (uid differs), nor one another AppliedWork owns", async () => {
    const t = store(applied("ConfigMap", "demo", "replaced", { ownerReferences: [], uid: "uid-new" }), applied("ConfigMap", "demo", "shared", { ownerReferences: [theirs] }));
    const res = await pruneObjects([ref("ConfigMap", "demo", "replaced"), ref("ConfigMap", "demo", "shared")], opts(t));
    expect(t.deletes).toEqual([]);
    expect(actions(res)["ConfigMap/replaced"]).toBe("pruned");
    expect(res.find((r) => r.ref.name === "replaced")!.message).toMatch(/replaced by another object/);
    expect(actions(res)["ConfigMap/shared"]).toBe("released");
  });
});

describe("applyBundle ownerFor", () => {
  it("leaves the AppliedWork owner reference off the objects ownerFor declines, and puts it on the others", async () => {
    const t = new Store();
    const cm = (name: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "demo" }, data: { k: "v" } });
    await applyBundle([cm("kept"), cm("owned")], {
      mapper,
      target: t,
      fieldManager: FM,
      force: false,
      owner: mine,
      ownerFor: (id: { name?: string }) => (id.name === "kept" ? undefined : mine),
    });
    expect(t.at("configmaps", "demo", "kept")?.metadata?.ownerReferences).toBeUndefined();
    expect(t.at("configmaps", "demo", "owned")?.metadata?.ownerReferences).toEqual([{ ...mine, controller: false, blockOwnerDeletion: false }]);
  });
});
