/**
 * spec.manifestConfigs[].updateStrategy on real servers: CreateOnly,
 * ReadOnly, ReportDiff, takeOver, serverSideApply.force and ignoreFields.
 * "Never written" is shown on the object itself (resourceVersion, no field
 * of the agent in managedFields) and by the agent's spoke write count over a
 * window in which it reconciled. The agent runs with the default 10 min
 * resync, so whatever is reported quickly after a spoke change came from a
 * watch event, not a poll.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ManifestConfig, UpdateStrategy } from "@work-api/api";
import { clients, hubKubeconfig, spokeKubeconfig, testNamespace, waitFor } from "./env.js";
import { mintAgentKubeconfig, startAgent, type AgentProcess } from "./agent-harness.js";
import { condition, manifestCondition, readWork, waitForWorkCondition } from "./work-helpers.js";
import {
  appliedWorkFor,
  appliedWorkOwners,
  configMap,
  deleteWork,
  putWork,
  readConfigMap,
  reconcileCount,
  touchWork,
  waitReconciles,
  waitWorkGone,
  writeCount,
  type ConfigMapObject,
} from "./contract-helpers.js";

const cluster = testNamespace("agent-strategies");
const ns = testNamespace("agent-strategies-spoke", { on: ["spoke1"] });
const hub = clients(hubKubeconfig());
const spoke = clients(spokeKubeconfig(1));
let agent: AgentProcess;

beforeAll(async () => {
  agent = await startAgent({ hubKubeconfig: await mintAgentKubeconfig(hubKubeconfig(), cluster), spokeKubeconfig: spokeKubeconfig(1), clusterName: cluster });
});

afterAll(async () => {
  expect(await agent?.stop()).toBe(0);
});

const config = (name: string, updateStrategy: UpdateStrategy): ManifestConfig => ({ resourceIdentifier: { resource: "configmaps", namespace: ns, name }, updateStrategy });

/** A ConfigMap made on the spoke by someone else (no Work). */
async function createOnSpoke(name: string, data: Record<string, string>): Promise<ConfigMapObject> {
  await spoke.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name, namespace: ns }, data } });
  return (await readConfigMap(spoke, ns, name))!;
}

async function editOnSpoke(name: string, key: string, value: string): Promise<void> {
  await spoke.core.patchNamespacedConfigMap({ name, namespace: ns, body: [{ op: "add", path: `/data/${key}`, value }] });
}

/** The field managers of an object (the agent's are `work-agent-<work id>`). */
async function managers(name: string): Promise<string[]> {
  const o = await spoke.core.readNamespacedConfigMap({ name, namespace: ns });
  return (o.metadata?.managedFields ?? []).map((f) => f.manager ?? "");
}

async function waitManifest(work: string, ordinal: number, type: string, pred: (c: { status: string; reason: string; message: string }) => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  await waitFor(async () => {
    const c = condition(manifestCondition(await readWork(hub.objects, cluster, work), ordinal)?.conditions, type);
    return c !== undefined && pred(c);
  }, { timeoutMs, message: `${work} manifest ${ordinal}: ${what}` });
}

/** Wakes the agent for `works` and waits until it reconciled them: then "nothing happened" can be checked. */
async function reconciled(...works: string[]): Promise<void> {
  const n = await reconcileCount(agent);
  for (const w of works) await touchWork(hub, cluster, w);
  await waitReconciles(agent, n, works.length);
}

describe("CreateOnly", () => {
  it("creates the object once; manifest edits and out-of-band edits are left as they are; re-created when deleted", async () => {
    const cfg = { manifestConfigs: [config("co", { type: "CreateOnly" })] };
    await putWork(hub, cluster, "create-only", [configMap(ns, "co", { a: "1" })], cfg);
    await waitForWorkCondition(hub.objects, cluster, "create-only", "Applied", "True");
    const first = (await readConfigMap(spoke, ns, "co"))!;
    expect(first.data).toEqual({ a: "1" });

    await putWork(hub, cluster, "create-only", [configMap(ns, "co", { a: "2", b: "new" })], cfg);
    await waitForWorkCondition(hub.objects, cluster, "create-only", "Applied", "True");
    await reconciled("create-only");
    const kept = (await readConfigMap(spoke, ns, "co"))!;
    expect(kept.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
    expect(kept.data).toEqual({ a: "1" });
    const applied = condition(manifestCondition(await readWork(hub.objects, cluster, "create-only"), 0)?.conditions, "Applied");
    expect(applied).toMatchObject({ status: "True", reason: "CreateOnly" });

    const writes = await writeCount(agent, "spoke");
    const n = await reconcileCount(agent);
    await editOnSpoke("co", "a", "spoke");
    await waitReconciles(agent, n, 1);
    await reconciled("create-only");
    expect((await readConfigMap(spoke, ns, "co"))?.data).toEqual({ a: "spoke" });
    expect(await writeCount(agent, "spoke")).toBe(writes);

    await spoke.core.deleteNamespacedConfigMap({ name: "co", namespace: ns });
    const again = await waitFor(async () => {
      const o = await readConfigMap(spoke, ns, "co");
      return o && o.metadata.uid !== first.metadata.uid ? o : undefined;
    }, { timeoutMs: 20_000, message: "CreateOnly object created again after its deletion" });
    expect(again.data).toEqual({ a: "2", b: "new" });
  });
});

describe("ReadOnly", () => {
  it("never writes the object, reports it, follows its deletion and creation by watch, and leaves it on Work deletion", async () => {
    const before = await createOnSpoke("ro", { x: "spoke" });
    const cfg = { manifestConfigs: [config("ro", { type: "ReadOnly" }), config("ro-later", { type: "ReadOnly" })] };
    await putWork(hub, cluster, "read-only", [configMap(ns, "ro", { x: "hub" }), configMap(ns, "ro-later", { y: "hub" })], cfg);
    await waitManifest("read-only", 0, "Available", (c) => c.status === "True", "Available=True");
    await waitManifest("read-only", 1, "Available", (c) => c.status === "False" && c.reason === "ObjectNotFound", "Available=False ObjectNotFound");
    const w = await readWork(hub.objects, cluster, "read-only");
    expect(condition(manifestCondition(w, 0)?.conditions, "Applied")).toMatchObject({ status: "True", reason: "ReadOnly" });
    expect(condition(manifestCondition(w, 1)?.conditions, "Applied")).toMatchObject({ status: "True", reason: "ReadOnly" });
    expect(condition(w?.status?.conditions, "Available")?.status).toBe("False");

    // Reconciles (a touch, an out-of-band edit) write nothing to the spoke.
    const writes = await writeCount(agent, "spoke");
    await reconciled("read-only");
    const n = await reconcileCount(agent);
    await editOnSpoke("ro", "z", "edited");
    await waitReconciles(agent, n, 1);
    expect(await writeCount(agent, "spoke")).toBe(writes);
    const live = (await readConfigMap(spoke, ns, "ro"))!;
    expect(live.data).toEqual({ x: "spoke", z: "edited" });
    expect(live.metadata.labels ?? {}).toEqual({});
    expect(appliedWorkOwners(live)).toEqual([]);
    expect((await managers("ro")).filter((m) => m.startsWith("work-agent"))).toEqual([]);

    // Someone creates the missing object: Available flips by the object's watch; then deleted: back to False.
    const later = await createOnSpoke("ro-later", { y: "spoke" });
    await waitManifest("read-only", 1, "Available", (c) => c.status === "True", "Available=True once created", 20_000);
    const seen = (await readConfigMap(spoke, ns, "ro-later"))!;
    expect(seen.metadata.resourceVersion).toBe(later.metadata.resourceVersion);
    expect((await managers("ro-later")).filter((m) => m.startsWith("work-agent"))).toEqual([]);
    await spoke.core.deleteNamespacedConfigMap({ name: "ro-later", namespace: ns });
    await waitManifest("read-only", 1, "Available", (c) => c.status === "False", "Available=False once deleted", 20_000);

    // Deleting the Work leaves the object alone.
    const atDelete = (await readConfigMap(spoke, ns, "ro"))!;
    await deleteWork(hub, cluster, "read-only");
    await waitWorkGone(hub, cluster, "read-only");
    const after = (await readConfigMap(spoke, ns, "ro"))!;
    expect(after.metadata.uid).toBe(before.metadata.uid);
    expect(after.metadata.resourceVersion).toBe(atDelete.metadata.resourceVersion);
  });
});

describe("ReadOnly beside a Work that writes the object", () => {
  it("keeps no one from deleting it: the writer's deletion deletes it (no hand-off), the reader reports it absent; the reader's deletion leaves it", async () => {
    await putWork(hub, cluster, "writer", [configMap(ns, "shared-ro", { a: "1" })]);
    await waitForWorkCondition(hub.objects, cluster, "writer", "Applied", "True");
    await putWork(hub, cluster, "reader", [configMap(ns, "shared-ro", { a: "1" })], { manifestConfigs: [config("shared-ro", { type: "ReadOnly" })] });
    await waitManifest("reader", 0, "Available", (c) => c.status === "True", "reader sees the object");
    const written = (await readConfigMap(spoke, ns, "shared-ro"))!;

    // The reader goes first: the object is the writer's, untouched.
    await deleteWork(hub, cluster, "reader");
    await waitWorkGone(hub, cluster, "reader");
    const kept = (await readConfigMap(spoke, ns, "shared-ro"))!;
    expect(kept.metadata.resourceVersion).toBe(written.metadata.resourceVersion);

    await putWork(hub, cluster, "reader", [configMap(ns, "shared-ro", { a: "1" })], { manifestConfigs: [config("shared-ro", { type: "ReadOnly" })] });
    await waitManifest("reader", 0, "Available", (c) => c.status === "True", "reader sees the object again");
    await deleteWork(hub, cluster, "writer");
    await waitWorkGone(hub, cluster, "writer");
    await waitFor(async () => (await readConfigMap(spoke, ns, "shared-ro")) === undefined, { message: "deleted with its writer" });
    await waitManifest("reader", 0, "Available", (c) => c.status === "False" && c.reason === "ObjectNotFound", "reader reports it absent", 20_000);
    await deleteWork(hub, cluster, "reader");
    await waitWorkGone(hub, cluster, "reader");
  });
});

describe("ReportDiff", () => {
  it("reports the differing paths without writing, and follows the live object", async () => {
    const before = await createOnSpoke("rd", { a: "spoke", b: "same" });
    await putWork(hub, cluster, "report-diff", [configMap(ns, "rd", { a: "hub", b: "same" })], { manifestConfigs: [config("rd", { type: "ReportDiff" })] });
    await waitManifest("report-diff", 0, "Applied", (c) => c.reason === "ReportedDiff" && c.message.includes("differs from the manifest at .data.a"), "ReportedDiff naming .data.a");
    const writes = await writeCount(agent, "spoke");
    await editOnSpoke("rd", "a", "hub");
    await waitManifest("report-diff", 0, "Applied", (c) => c.reason === "ReportedDiff" && c.message.includes("matches the manifest"), "matches once the live object does", 20_000);
    await reconciled("report-diff");
    expect(await writeCount(agent, "spoke")).toBe(writes);
    expect((await managers("rd")).filter((m) => m.startsWith("work-agent"))).toEqual([]);
    const atDelete = (await readConfigMap(spoke, ns, "rd"))!;
    await deleteWork(hub, cluster, "report-diff");
    await waitWorkGone(hub, cluster, "report-diff");
    const after = (await readConfigMap(spoke, ns, "rd"))!;
    expect(after.metadata.uid).toBe(before.metadata.uid);
    expect(after.metadata.resourceVersion).toBe(atDelete.metadata.resourceVersion);
  });
});

describe("takeOver", () => {
  it("IfNoDiff takes a matching object, refuses a differing one until it matches; Never refuses; deletion leaves what was not taken", async () => {
    const match = await createOnSpoke("t-match", { a: "1" });
    const differ = await createOnSpoke("t-differ", { a: "spoke" });
    const never = await createOnSpoke("t-never", { a: "1" });
    const manifests = [configMap(ns, "t-match", { a: "1" }), configMap(ns, "t-differ", { a: "hub", b: "new" }), configMap(ns, "t-never", { a: "1" })];
    const cfg = { manifestConfigs: [config("t-match", { takeOver: "IfNoDiff" }), config("t-differ", { takeOver: "IfNoDiff" }), config("t-never", { takeOver: "Never" })] };
    await putWork(hub, cluster, "take-over", manifests, cfg);
    await waitManifest("take-over", 1, "Applied", (c) => c.status === "False" && c.reason === "NotTakenOver", "t-differ NotTakenOver");
    await waitManifest("take-over", 2, "Applied", (c) => c.status === "False" && c.reason === "NotTakenOver", "t-never NotTakenOver");
    await waitManifest("take-over", 0, "Applied", (c) => c.status === "True", "t-match taken over");
    const w = await readWork(hub.objects, cluster, "take-over");
    const msg = condition(manifestCondition(w, 1)?.conditions, "Applied")?.message ?? "";
    expect(msg).toMatch(/^manifest 1 \(ConfigMap [^)]*\/t-differ\): .*takeOver IfNoDiff.*\.data\.a, \.data\.b/);
    expect(condition(manifestCondition(w, 2)?.conditions, "Applied")?.message).toContain("takeOver Never");
    const aw = (await appliedWorkFor(spoke, cluster, "take-over"))!;
    const taken = await readConfigMap(spoke, ns, "t-match");
    expect(appliedWorkOwners(taken)).toEqual([aw.metadata.uid]);
    expect(taken?.metadata.uid).toBe(match.metadata.uid);
    for (const [name, was] of [["t-differ", differ], ["t-never", never]] as const) {
      const o = (await readConfigMap(spoke, ns, name))!;
      expect(o.metadata.resourceVersion, name).toBe(was.metadata.resourceVersion);
      expect(appliedWorkOwners(o), name).toEqual([]);
    }

    // Someone makes t-differ match: its watch wakes the Work (there is no retry timer), and it is taken over.
    await spoke.core.patchNamespacedConfigMap({ name: "t-differ", namespace: ns, body: [{ op: "replace", path: "/data", value: { a: "hub", b: "new" } }] });
    await waitManifest("take-over", 1, "Applied", (c) => c.status === "True", "t-differ taken over once it matches", 20_000);
    // Taken over once: a later out-of-band edit is drift, reverted, not a refusal.
    await editOnSpoke("t-differ", "a", "drifted");
    await waitFor(async () => (await readConfigMap(spoke, ns, "t-differ"))?.data?.a === "hub", { timeoutMs: 20_000, message: "drift on a taken-over object reverted" });

    await deleteWork(hub, cluster, "take-over");
    await waitWorkGone(hub, cluster, "take-over");
    expect(await readConfigMap(spoke, ns, "t-match")).toBeUndefined();
    expect(await readConfigMap(spoke, ns, "t-differ")).toBeUndefined();
    const left = (await readConfigMap(spoke, ns, "t-never"))!;
    expect(left.metadata.uid).toBe(never.metadata.uid);
    expect(left.metadata.resourceVersion).toBe(never.metadata.resourceVersion);
  });
});

describe("serverSideApply", () => {
  it("force false: an out-of-band change of a field the Work sets is ApplyConflict, not reverted (the agent forces by default)", async () => {
    await putWork(hub, cluster, "no-force", [configMap(ns, "nf", { a: "1" })], { manifestConfigs: [config("nf", { serverSideApply: { force: false } })] });
    await waitForWorkCondition(hub.objects, cluster, "no-force", "Applied", "True");
    await editOnSpoke("nf", "a", "spoke");
    await waitManifest("no-force", 0, "Applied", (c) => c.status === "False" && c.reason === "ApplyConflict" && c.message.includes("held by field manager"), "ApplyConflict", 20_000);
    expect((await readConfigMap(spoke, ns, "nf"))?.data).toEqual({ a: "spoke" });
    await deleteWork(hub, cluster, "no-force");
    await waitWorkGone(hub, cluster, "no-force");
  });

  it("ignoreFields OnSpokePresent: sent at creation only; the spoke's value stays (also when the manifest changes it), without a write per reconcile", async () => {
    const cfg = { manifestConfigs: [config("ig-present", { serverSideApply: { ignoreFields: [{ condition: "OnSpokePresent", jsonPaths: [".data.b"] }] } })] };
    await putWork(hub, cluster, "ignore-present", [configMap(ns, "ig-present", { a: "1", b: "2" })], cfg);
    await waitForWorkCondition(hub.objects, cluster, "ignore-present", "Applied", "True");
    expect((await readConfigMap(spoke, ns, "ig-present"))?.data).toEqual({ a: "1", b: "2" });
    const created = (await readConfigMap(spoke, ns, "ig-present"))!;
    await reconciled("ignore-present");
    expect((await readConfigMap(spoke, ns, "ig-present"))?.metadata.resourceVersion).toBe(created.metadata.resourceVersion);

    // The manifest changes a and b: a is applied, b (held by this Work alone) keeps its value, not removed.
    await putWork(hub, cluster, "ignore-present", [configMap(ns, "ig-present", { a: "2", b: "3" })], cfg);
    await waitForWorkCondition(hub.objects, cluster, "ignore-present", "Applied", "True");
    await waitFor(async () => (await readConfigMap(spoke, ns, "ig-present"))?.data?.a === "2", { message: "a applied" });
    expect((await readConfigMap(spoke, ns, "ig-present"))?.data).toEqual({ a: "2", b: "2" });

    // Changed on the spoke: kept, and no write follows (nor on later reconciles).
    const writes = await writeCount(agent, "spoke");
    const n = await reconcileCount(agent);
    await editOnSpoke("ig-present", "b", "spoke");
    await waitReconciles(agent, n, 1);
    await reconciled("ignore-present");
    await reconciled("ignore-present");
    const live = (await readConfigMap(spoke, ns, "ig-present"))!;
    expect(live.data).toEqual({ a: "2", b: "spoke" });
    expect(await writeCount(agent, "spoke")).toBe(writes);
    await deleteWork(hub, cluster, "ignore-present");
    await waitWorkGone(hub, cluster, "ignore-present");
  });

  it("ignoreFields OnSpokeChange: applied until someone on the spoke changes it, then left to the spoke without a write loop", async () => {
    const cfg = { manifestConfigs: [config("ig-change", { serverSideApply: { ignoreFields: [{ condition: "OnSpokeChange", jsonPaths: [".data.c"] }] } })] };
    await putWork(hub, cluster, "ignore-change", [configMap(ns, "ig-change", { c: "1" })], cfg);
    await waitForWorkCondition(hub.objects, cluster, "ignore-change", "Applied", "True");
    await putWork(hub, cluster, "ignore-change", [configMap(ns, "ig-change", { c: "2" })], cfg);
    await waitFor(async () => (await readConfigMap(spoke, ns, "ig-change"))?.data?.c === "2", { message: "c applied while the Work holds it" });

    const writes = await writeCount(agent, "spoke");
    const n = await reconcileCount(agent);
    await editOnSpoke("ig-change", "c", "spoke");
    await waitReconciles(agent, n, 1);
    await reconciled("ignore-change");
    await reconciled("ignore-change");
    expect((await readConfigMap(spoke, ns, "ig-change"))?.data).toEqual({ c: "spoke" });
    expect(await writeCount(agent, "spoke")).toBe(writes);

    await putWork(hub, cluster, "ignore-change", [configMap(ns, "ig-change", { c: "3", d: "4" })], cfg);
    await waitFor(async () => (await readConfigMap(spoke, ns, "ig-change"))?.data?.d === "4", { message: "d applied" });
    expect((await readConfigMap(spoke, ns, "ig-change"))?.data).toEqual({ c: "spoke", d: "4" });
    await deleteWork(hub, cluster, "ignore-change");
    await waitWorkGone(hub, cluster, "ignore-change");
  });
});

describe("the CRD", () => {
  it("refuses options that do not fit the strategy, unknown values and paths without a leading dot", async () => {
    const cases: [string, UpdateStrategy][] = [
      ["serverSideApply is only allowed when type is ServerSideApply", { type: "ReadOnly", serverSideApply: { force: true } }],
      ["takeOver is only allowed when type is ServerSideApply", { type: "CreateOnly", takeOver: "Never" }],
      ["Unsupported value", { type: "Bogus" as "ReadOnly" }],
      ["Unsupported value", { takeOver: "Sometimes" as "Never" }],
      ["Unsupported value", { serverSideApply: { ignoreFields: [{ condition: "Later" as "OnSpokeChange", jsonPaths: [".data.a"] }] } }],
      ["jsonPaths[0]", { serverSideApply: { ignoreFields: [{ condition: "OnSpokeChange", jsonPaths: ["data.a"] }] } }],
    ];
    for (const [want, updateStrategy] of cases) {
      const err = await putWork(hub, cluster, "invalid", [configMap(ns, "x", {})], { manifestConfigs: [config("x", updateStrategy)] }).then(() => undefined, (e: unknown) => e);
      expect(String((err as { body?: unknown })?.body ?? err), JSON.stringify(updateStrategy)).toContain(want);
    }
    const dup = await putWork(hub, cluster, "invalid", [configMap(ns, "x", {})], { manifestConfigs: [config("x", { type: "ReadOnly" }), { resourceIdentifier: { group: "", resource: "configmaps", namespace: ns, name: "x" } }] }).then(() => undefined, (e: unknown) => e);
    expect(String((dup as { body?: unknown })?.body ?? dup)).toContain("each object may be named by one manifestConfigs item only");
    expect(await readWork(hub.objects, cluster, "invalid")).toBeUndefined();
  });
});
