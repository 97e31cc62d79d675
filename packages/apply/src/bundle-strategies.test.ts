/**
 * applyBundle with spec.manifestConfigs[].updateStrategy: what each strategy
 * sends (or does not) and reports. The fake's `get` answers like the agent's
 * label-selected cache (only objects carrying the agent's label), `read`
 * like the API server.
 */
import { describe, expect, it } from "vitest";
import type { KubeObject, ManifestConfig, UpdateStrategy } from "@work-api/api";
import { applyBundle } from "./bundle.js";
import { RELEASED_ANNOTATION, pruneObjects } from "./prune.js";
import type { ApplyOptions, ApplyResponse, DeleteOutcome, Mapper, ResourceMapping, Target } from "./types.js";

const CM: ResourceMapping = { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: true };
const LABEL = "agent-label";
const MANAGER = "work-agent-0123456789";

const mapper: Mapper = {
  resolve: async () => CM,
  resolveGroupKind: async () => CM,
  invalidate: () => undefined,
};

class Spoke implements Target {
  objects = new Map<string, KubeObject>();
  sent: { body: KubeObject; force: boolean }[] = [];
  rv = 10;
  /** An out-of-band manager holding data.a: unforced applies answer 409. */
  heldBy?: string;
  put(obj: KubeObject): KubeObject {
    const o = structuredClone({ ...obj, metadata: { uid: `uid-${obj.metadata!.name}`, resourceVersion: String(++this.rv), ...obj.metadata } });
    this.objects.set(obj.metadata!.name!, o);
    return o;
  }
  async get(_m: ResourceMapping, _ns: string | undefined, name: string): Promise<KubeObject | undefined> {
    const o = this.objects.get(name);
    return o?.metadata?.labels?.[LABEL] !== undefined ? o : undefined;
  }
  async read(_m: ResourceMapping, _ns: string | undefined, name: string): Promise<KubeObject | undefined> {
    return this.objects.get(name);
  }
  async apply(_m: ResourceMapping, body: KubeObject, o: ApplyOptions): Promise<ApplyResponse> {
    this.sent.push({ body: structuredClone(body), force: o.force });
    if (this.heldBy !== undefined && !o.force) {
      throw Object.assign(new Error("Apply failed with 1 conflict"), { statusCode: 409, status: { details: { causes: [{ reason: "FieldManagerConflict", message: `conflict with "${this.heldBy}" using v1`, field: ".data.a" }] } } });
    }
    const prev = this.objects.get(body.metadata!.name!);
    const next = { ...body, metadata: { ...body.metadata, uid: prev?.metadata?.uid ?? `uid-${body.metadata!.name}`, resourceVersion: String(++this.rv), managedFields: [{ manager: o.fieldManager, operation: "Apply", fieldsV1: { "f:data": Object.fromEntries(Object.keys((body.data as object) ?? {}).map((k) => [`f:${k}`, {}])) } }] } };
    this.objects.set(body.metadata!.name!, next);
    return { object: next, created: !prev };
  }
  async delete(): Promise<DeleteOutcome> {
    throw new Error("no delete expected");
  }
  async mergePatch(): Promise<KubeObject> {
    throw new Error("no merge patch expected");
  }
}

const cm = (name: string, data: Record<string, string>): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "demo" }, data });
const config = (name: string, updateStrategy: UpdateStrategy): ManifestConfig => ({ resourceIdentifier: { resource: "configmaps", namespace: "demo", name }, updateStrategy });
const owner = { apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "AppliedWork", name: "aw-0123456789", uid: "aw-uid" };
const other = { apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "AppliedWork", name: "other-9876543210", uid: "other-uid" };

function run(spoke: Spoke, manifests: KubeObject[], configs: ManifestConfig[], force = true) {
  return applyBundle(manifests, { mapper, target: spoke, fieldManager: MANAGER, force, owner, labels: { [LABEL]: "" }, recordAnnotation: "work.multicluster.x-k8s.io/applied-0123456789", manifestConfigs: configs });
}

/** A live object someone on the spoke made: no agent label, no owner, fields held by `manager`. */
function foreign(name: string, data: Record<string, string>, manager = "kubectl-create"): KubeObject {
  return { ...cm(name, data), metadata: { name, namespace: "demo", managedFields: [{ manager, operation: "Update", fieldsV1: { "f:data": Object.fromEntries(Object.keys(data).map((k) => [`f:${k}`, {}])) } }] } };
}

describe("CreateOnly", () => {
  const cfg = [config("c", { type: "CreateOnly" })];

  it("creates an absent object, then never writes it again, whatever the manifest says", async () => {
    const spoke = new Spoke();
    const [first] = await run(spoke, [cm("c", { a: "1" })], cfg);
    expect(first).toMatchObject({ action: "created" });
    const rv = spoke.objects.get("c")?.metadata?.resourceVersion;
    const [second] = await run(spoke, [cm("c", { a: "2" })], cfg);
    expect(spoke.sent).toHaveLength(1);
    expect(second).toMatchObject({ action: "unchanged", reason: "CreateOnly" });
    expect(spoke.objects.get("c")?.metadata?.resourceVersion).toBe(rv);
    expect(spoke.objects.get("c")?.data).toEqual({ a: "1" });
  });

  it("does not write an object that exists without the agent's label", async () => {
    const spoke = new Spoke();
    spoke.put(foreign("c", { a: "theirs" }));
    const [r] = await run(spoke, [cm("c", { a: "1" })], cfg);
    expect(spoke.sent).toEqual([]);
    expect(r).toMatchObject({ action: "unchanged", reason: "CreateOnly" });
    expect(r?.live?.data).toEqual({ a: "theirs" });
  });

  it("creates it again once it is deleted on the spoke", async () => {
    const spoke = new Spoke();
    await run(spoke, [cm("c", { a: "1" })], cfg);
    spoke.objects.delete("c");
    const [r] = await run(spoke, [cm("c", { a: "2" })], cfg);
    expect(r).toMatchObject({ action: "created" });
    expect(spoke.objects.get("c")?.data).toEqual({ a: "2" });
  });
});

describe("ReadOnly", () => {
  const cfg = [config("r", { type: "ReadOnly" })];

  it("never writes; reports the live object as the API server has it", async () => {
    const spoke = new Spoke();
    spoke.put(foreign("r", { a: "theirs" }));
    const [r] = await run(spoke, [cm("r", { a: "mine" })], cfg);
    expect(spoke.sent).toEqual([]);
    expect(r).toMatchObject({ action: "unchanged", reason: "ReadOnly" });
    expect(r?.live?.data).toEqual({ a: "theirs" });
    expect(r?.absent).toBeUndefined();
  });

  it("reports an absent object as absent, without writing it", async () => {
    const spoke = new Spoke();
    const [r] = await run(spoke, [cm("r", { a: "mine" })], cfg);
    expect(spoke.sent).toEqual([]);
    expect(r).toMatchObject({ action: "unchanged", reason: "ReadOnly", absent: true });
    expect(r?.live).toBeUndefined();
  });
});

describe("ReportDiff", () => {
  const cfg = [config("d", { type: "ReportDiff" })];

  it("reports the differing fields and who holds them, without writing", async () => {
    const spoke = new Spoke();
    spoke.put(foreign("d", { a: "theirs", b: "same" }));
    const [r] = await run(spoke, [cm("d", { a: "mine", b: "same" })], cfg);
    expect(spoke.sent).toEqual([]);
    expect(r).toMatchObject({ action: "unchanged", reason: "ReportedDiff" });
    expect(r?.differences).toEqual([{ path: ".data.a", valueInMember: '"theirs"', valueInHub: '"mine"', fieldManager: "kubectl-create" }]);
    expect(r?.message).toContain(".data.a");
  });

  it("reports no difference for a matching object, and every field for an absent one", async () => {
    const spoke = new Spoke();
    spoke.put(foreign("d", { a: "1" }));
    const [same] = await run(spoke, [cm("d", { a: "1" })], cfg);
    expect(same?.differences).toEqual([]);
    spoke.objects.delete("d");
    const [gone] = await run(spoke, [cm("d", { a: "1" })], cfg);
    expect(gone).toMatchObject({ absent: true, differences: [{ path: ".data", valueInHub: '{"a":"1"}' }] });
    expect(spoke.sent).toEqual([]);
  });
});

describe("takeOver", () => {
  it("IfNoDiff takes over a pre-existing object that matches the manifest", async () => {
    const spoke = new Spoke();
    spoke.put(foreign("t", { a: "1" }));
    const [r] = await run(spoke, [cm("t", { a: "1" })], [config("t", { takeOver: "IfNoDiff" })]);
    expect(r).toMatchObject({ action: "configured" });
    expect(spoke.sent).toHaveLength(1);
    expect(spoke.objects.get("t")?.metadata?.ownerReferences?.map((o) => o.uid)).toEqual(["aw-uid"]);
  });

  it("IfNoDiff refuses a differing one: NotTakenOver with the paths, nothing written", async () => {
    const spoke = new Spoke();
    spoke.put(foreign("t", { a: "theirs", b: "x" }));
    const [r] = await run(spoke, [cm("t", { a: "mine", b: "x", c: "new" })], [config("t", { takeOver: "IfNoDiff" })]);
    expect(spoke.sent).toEqual([]);
    expect(r).toMatchObject({ action: "failed", reason: "NotTakenOver" });
    expect(r?.differences?.map((d) => d.path)).toEqual([".data.a", ".data.c"]);
    expect(r?.message).toMatch(/^manifest 0 \(ConfigMap demo\/t\): .*takeOver IfNoDiff.*\.data\.a, \.data\.c/);
  });

  it("Never refuses even a matching object", async () => {
    const spoke = new Spoke();
    spoke.put(foreign("t", { a: "1" }));
    const [r] = await run(spoke, [cm("t", { a: "1" })], [config("t", { takeOver: "Never" })]);
    expect(spoke.sent).toEqual([]);
    expect(r).toMatchObject({ action: "failed", reason: "NotTakenOver", differences: [] });
    expect(r?.message).toContain("matches the manifest");
  });

  it("does not apply to an object another Work owns (shared), nor to one this Work already took", async () => {
    const spoke = new Spoke();
    spoke.put({ ...foreign("s", { a: "theirs" }), metadata: { ...foreign("s", { a: "theirs" }).metadata, ownerReferences: [other] } });
    const [shared] = await run(spoke, [cm("s", { b: "mine" })], [config("s", { takeOver: "Never" })]);
    expect(shared).toMatchObject({ action: "configured" });
    // Taken over (Always) first, then Never: the object is this Work's, applied as usual.
    spoke.put(foreign("u", { a: "theirs" }));
    await run(spoke, [cm("u", { a: "1" })], []);
    const [own] = await run(spoke, [cm("u", { a: "2" })], [config("u", { takeOver: "Never" })]);
    expect(own).toMatchObject({ action: "configured" });
  });

  it("Always (default) takes over, as before", async () => {
    const spoke = new Spoke();
    spoke.put(foreign("t", { a: "theirs" }));
    const [r] = await run(spoke, [cm("t", { a: "mine" })], [config("t", { takeOver: "Always" })]);
    expect(r).toMatchObject({ action: "configured" });
  });
});

describe("serverSideApply.force", () => {
  it("false: an out-of-band conflict is ApplyConflict even when the agent forces", async () => {
    const spoke = new Spoke();
    spoke.heldBy = "kubectl-edit";
    const [r] = await run(spoke, [cm("f", { a: "1" })], [config("f", { serverSideApply: { force: false } })], true);
    expect(r).toMatchObject({ action: "failed", reason: "ApplyConflict" });
    expect(r?.message).toContain('held by field manager "kubectl-edit"');
    expect(spoke.sent.every((s) => !s.force)).toBe(true);
  });

  it("true: forced even when the agent does not force", async () => {
    const spoke = new Spoke();
    spoke.heldBy = "kubectl-edit";
    const [r] = await run(spoke, [cm("f", { a: "1" })], [config("f", { serverSideApply: { force: true } })], false);
    expect(r).toMatchObject({ action: "created", forced: true });
  });

  it("absent: the agent's flag", async () => {
    const spoke = new Spoke();
    spoke.heldBy = "kubectl-edit";
    const [r] = await run(spoke, [cm("f", { a: "1" })], [], false);
    expect(r).toMatchObject({ action: "failed", reason: "ApplyConflict" });
  });
});

describe("serverSideApply.ignoreFields", () => {
  const present = [config("i", { serverSideApply: { ignoreFields: [{ condition: "OnSpokePresent", jsonPaths: [".data.b"] }] } })];
  const change = [config("i", { serverSideApply: { ignoreFields: [{ condition: "OnSpokeChange", jsonPaths: [".data.b"] }] } })];

  it("OnSpokePresent: sent at creation; afterwards kept at the live value while this Work holds it alone, and no write when in sync", async () => {
    const spoke = new Spoke();
    await run(spoke, [cm("i", { a: "1", b: "2" })], present);
    expect(spoke.sent[0]?.body.data).toEqual({ a: "1", b: "2" });
    // The manifest changes b: the object exists, b is the spoke's. Sent with its live value so server-side apply keeps it.
    await run(spoke, [cm("i", { a: "1", b: "3" })], present);
    expect(spoke.sent[1]?.body.data).toEqual({ a: "1", b: "2" });
    const rv = spoke.objects.get("i")?.metadata?.resourceVersion;
    const [again] = await run(spoke, [cm("i", { a: "1", b: "3" })], present);
    expect(again).toMatchObject({ action: "unchanged" });
    expect(spoke.sent).toHaveLength(2);
    expect(spoke.objects.get("i")?.metadata?.resourceVersion).toBe(rv);
  });

  it("OnSpokePresent: a field someone else holds is left out of the apply", async () => {
    const spoke = new Spoke();
    await run(spoke, [cm("i", { a: "1", b: "2" })], present);
    const live = spoke.objects.get("i")!;
    live.data = { a: "1", b: "spoke" };
    live.metadata!.managedFields = [
      { manager: MANAGER, operation: "Apply", fieldsV1: { "f:data": { "f:a": {} } } },
      { manager: "kubectl-edit", operation: "Update", fieldsV1: { "f:data": { "f:b": {} } } },
    ];
    const [r] = await run(spoke, [cm("i", { a: "2", b: "2" })], present);
    expect(r).toMatchObject({ action: "configured" });
    expect(spoke.sent[1]?.body.data).toEqual({ a: "2" });
  });

  it("OnSpokePresent: a pre-existing object (not in the agent's cache) keeps its value from the first apply", async () => {
    const spoke = new Spoke();
    spoke.put(foreign("i", { b: "spoke" }));
    await run(spoke, [cm("i", { a: "1", b: "2" })], present);
    expect(spoke.sent[0]?.body.data).toEqual({ a: "1" });
  });

  it("OnSpokeChange: applied while this Work holds the field; left out once an out-of-band manager took it", async () => {
    const spoke = new Spoke();
    await run(spoke, [cm("i", { a: "1", b: "2" })], change);
    await run(spoke, [cm("i", { a: "1", b: "3" })], change);
    expect(spoke.sent[1]?.body.data).toEqual({ a: "1", b: "3" });
    const live = spoke.objects.get("i")!;
    live.data = { a: "1", b: "spoke" };
    live.metadata!.managedFields = [
      { manager: MANAGER, operation: "Apply", fieldsV1: { "f:data": { "f:a": {} } } },
      { manager: "kubectl-edit", operation: "Update", fieldsV1: { "f:data": { "f:b": {} } } },
    ];
    const [r] = await run(spoke, [cm("i", { a: "1", b: "4" })], change);
    // Only the record annotation changed (the manifest did): b is not sent.
    expect(spoke.sent[2]?.body.data).toEqual({ a: "1" });
    expect(r?.action).not.toBe("failed");
  });

  it("OnSpokeChange: a field another Work holds is not 'changed on the spoke'", async () => {
    const spoke = new Spoke();
    await run(spoke, [cm("i", { a: "1", b: "2" })], change);
    const live = spoke.objects.get("i")!;
    live.metadata!.ownerReferences = [...(live.metadata!.ownerReferences ?? []), other];
    live.metadata!.managedFields = [
      { manager: MANAGER, operation: "Apply", fieldsV1: { "f:data": { "f:a": {}, "f:b": {} } } },
      { manager: "work-agent-9876543210", operation: "Apply", fieldsV1: { "f:data": { "f:b": {} } } },
    ];
    await run(spoke, [cm("i", { a: "1", b: "5" })], change);
    expect(spoke.sent[1]?.body.data).toEqual({ a: "1", b: "5" });
  });

  it("never leaves the agent's own label, owner or record annotation to the spoke", async () => {
    const spoke = new Spoke();
    const cfg = [config("i", { serverSideApply: { ignoreFields: [{ condition: "OnSpokePresent", jsonPaths: [".metadata.labels", ".metadata.annotations"] }] } })];
    await run(spoke, [cm("i", { a: "1" })], cfg);
    await run(spoke, [cm("i", { a: "2" })], cfg);
    const body = spoke.sent[1]!.body;
    expect(body.metadata?.labels).toEqual({ [LABEL]: "" });
    expect(Object.keys(body.metadata?.annotations ?? {})).toEqual(["work.multicluster.x-k8s.io/applied-0123456789"]);
    expect(body.metadata?.ownerReferences?.map((o) => o.uid)).toEqual(["aw-uid"]);
  });

  it("a path it cannot read is InvalidManifestConfig, naming the manifest; nothing written", async () => {
    const spoke = new Spoke();
    const bad = [config("i", { serverSideApply: { ignoreFields: [{ condition: "OnSpokePresent", jsonPaths: [".data[x"] }] } })];
    const [r] = await run(spoke, [cm("i", { a: "1" })], bad);
    expect(r).toMatchObject({ action: "failed", reason: "InvalidManifestConfig" });
    expect(r?.message).toMatch(/^manifest 0 \(ConfigMap demo\/i\): serverSideApply.ignoreFields: ".data\[x"/);
    expect(spoke.sent).toEqual([]);
  });
});

describe("prune of an object only looked at", () => {
  it("leaves it alone, even when another Work handed it off to this one", async () => {
    const spoke = new Spoke();
    spoke.put({ ...cm("h", { a: "1" }), metadata: { name: "h", namespace: "demo", annotations: { [RELEASED_ANNOTATION]: "true" }, managedFields: [] } });
    const ref = { ordinal: 0, group: "", version: "v1", kind: "ConfigMap", resource: "configmaps", namespace: "demo", name: "h" };
    const [r] = await pruneObjects([ref], { target: spoke, mapper, fieldManager: MANAGER, ownerUid: "aw-uid", leaveAlone: () => true });
    expect(r).toMatchObject({ action: "pruned", message: "manifest 0 (ConfigMap demo/h): only looked at by this Work (ReadOnly or ReportDiff); left alone" });
    expect(spoke.sent).toEqual([]);
    expect(spoke.objects.has("h")).toBe(true);
    // Without the record, the hand-off makes this Work the one to delete it.
    const [without] = await pruneObjects([ref], { target: spoke, mapper, fieldManager: MANAGER, ownerUid: "aw-uid" });
    expect(without).toMatchObject({ action: "failed", message: expect.stringContaining("no delete expected") });
  });
});
