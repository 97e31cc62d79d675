/**
 * Smoke test of the local control plane itself, on its OWN plane (not the
 * shared one) so it can prove that stopping leaves no process behind.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiException, KubeConfig, RbacAuthorizationV1Api, VersionApi, type V1ConfigMap } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultCrdsDir, findBinaries, isAlive, ProcessStartError, startCluster, startPlane, type Plane } from "@work-api/localplane";
import {
  apply,
  clients,
  eventually,
  getOrUndefined,
  hubKubeconfig,
  kubectlOk,
  spokeKubeconfig,
  testNamespace,
  waitFor,
  WaitTimeoutError,
} from "./env.js";


/** Pids of live (non-zombie) processes whose command line mentions `text`. */
function processesMentioning(text: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (cmd.includes(text) && isAlive(pid)) out.push(pid);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

describe("local control plane smoke", () => {
  // Made in beforeAll so a filtered-out suite leaves no temp dir.
  let dir = "";
  let plane: Plane;
  let pids: number[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "localplane-smoke-"));
    plane = await startPlane({
      dir,
      clusters: [
        { name: "hub", role: "hub" },
        { name: "spoke1", role: "spoke" },
        { name: "spoke2", role: "spoke" },
      ],
      clusterSet: "smoke-set",
    });
    pids = [...plane.clusters.values()].flatMap((c) => c.processes.map((p) => p.pid));
  });

  afterAll(async () => {
    await plane?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("runs etcd, kube-apiserver and kube-controller-manager per cluster (and kube-scheduler and kwok per spoke), each on its own ports", async () => {
    expect(pids).toHaveLength(3 + 2 * 5);
    expect(pids.every(isAlive)).toBe(true);
    expect(plane.cluster("spoke1").processes.map((p) => p.name)).toEqual(["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"]);
    const servers = new Set([...plane.clusters.values()].map((c) => c.server));
    expect(servers.size).toBe(3);
    // The pinned release, or the oldest supported minor in the compatibility run (make test-compat).
    const pinned = /k8s\.io\/kubernetes (v\S+)/.exec(readFileSync(join(import.meta.dirname, "../../packages/localplane/go/kube/go.mod"), "utf8"))?.[1];
    const minor = process.env.E2E_EXPECT_KUBE_MINOR;
    for (const c of plane.clusters.values()) {
      const version = await c.kubeConfig().makeApiClient(VersionApi).getCode();
      if (minor) expect(version.minor).toBe(minor);
      else expect(version.gitVersion).toBe(pinned);
      expect(existsSync(join(c.dir, "logs", "kube-apiserver.log"))).toBe(true);
    }
  });

  it("labels spokes with About API ClusterProperties", async () => {
    const spoke = clients(plane.cluster("spoke2").kubeconfigPath);
    const id = await spoke.objects.read({ apiVersion: "about.k8s.io/v1beta1", kind: "ClusterProperty", metadata: { name: "cluster.clusterset.k8s.io" } });
    const set = await spoke.objects.read({ apiVersion: "about.k8s.io/v1beta1", kind: "ClusterProperty", metadata: { name: "clusterset.k8s.io" } });
    expect((id as unknown as { spec: { value: string } }).spec.value).toBe("spoke2");
    expect((set as unknown as { spec: { value: string } }).spec.value).toBe("smoke-set");
  });

  it("accepts a Work on the hub", async () => {
    const hub = clients(plane.cluster("hub").kubeconfigPath);
    const work = {
      apiVersion: "multicluster.x-k8s.io/v1alpha1",
      kind: "Work",
      metadata: { name: "work-sample", namespace: "default" },
      spec: {
        workload: {
          manifests: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm", namespace: "default" }, data: { key: "value" } }],
        },
      },
    };
    await hub.objects.create(work);
    const read = await hub.objects.read(work);
    expect((read as unknown as typeof work).spec.workload.manifests[0]).toMatchObject({ kind: "ConfigMap", metadata: { name: "cm" } });
  });

  it("server-side applies a ConfigMap on a spoke and records managedFields", async () => {
    const spoke = clients(plane.cluster("spoke1").kubeconfigPath);
    const cm = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "ssa-cm", namespace: "default" },
      data: { a: "1" },
    };
    await apply(spoke.objects, cm, "smoke-manager");
    const read = await spoke.objects.read<V1ConfigMap & typeof cm>(cm);
    expect(read.data).toEqual({ a: "1" });
    const entry = read.metadata?.managedFields?.find((f) => f.manager === "smoke-manager");
    expect(entry).toMatchObject({ operation: "Apply", apiVersion: "v1" });
    expect(JSON.stringify(entry?.fieldsV1)).toContain("f:a");
  });

  it("runs the garbage collector: deleting an owner removes its dependent", async () => {
    const spoke = clients(plane.cluster("spoke1").kubeconfigPath);
    const owner = await spoke.core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "gc-owner" } } });
    const dependentRef = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "gc-dependent", namespace: "default" } };
    await spoke.core.createNamespacedConfigMap({
      namespace: "default",
      body: {
        metadata: {
          name: "gc-dependent",
          ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "gc-owner", uid: owner.metadata?.uid ?? "" }],
        },
      },
    });
    await spoke.core.deleteNamespacedConfigMap({ name: "gc-owner", namespace: "default", propagationPolicy: "Background" });
    await waitFor(async () => (await getOrUndefined(spoke.objects, dependentRef)) === undefined, {
      timeoutMs: 60_000,
      message: "garbage collector deletes gc-dependent",
    });
  });

  it("enforces RBAC: a ServiceAccount with a namespaced Role is denied elsewhere with 403", async () => {
    const admin = clients(plane.cluster("hub").kubeconfigPath);
    const rbac = admin.kc.makeApiClient(RbacAuthorizationV1Api);
    for (const name of ["rbac-allowed", "rbac-other"]) await admin.core.createNamespace({ body: { metadata: { name } } });
    await admin.core.createNamespacedServiceAccount({ namespace: "rbac-allowed", body: { metadata: { name: "limited" } } });
    await rbac.createNamespacedRole({
      namespace: "rbac-allowed",
      body: { metadata: { name: "read-configmaps" }, rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list"] }] },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: "rbac-allowed",
      body: {
        metadata: { name: "limited-reads" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "read-configmaps" },
        subjects: [{ kind: "ServiceAccount", name: "limited", namespace: "rbac-allowed" }],
      },
    });
    const tr = await admin.core.createNamespacedServiceAccountToken({
      name: "limited",
      namespace: "rbac-allowed",
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const token = tr.status?.token ?? "";
    expect(token).not.toBe("");

    const kc = new KubeConfig();
    const cluster = admin.kc.getCurrentCluster();
    if (!cluster) throw new Error("no current cluster");
    kc.loadFromClusterAndUser(cluster, { name: "limited", token });
    const limited = clients(kc);
    // RBAC allows in its namespace (once the binding is in the authorizer's cache).
    await waitFor(async () => (await limited.core.listNamespacedConfigMap({ namespace: "rbac-allowed" })).items, { message: "list allowed" });
    const denied = await limited.core.listNamespacedConfigMap({ namespace: "rbac-other" }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(denied).toBeInstanceOf(ApiException);
    expect((denied as ApiException<unknown>).code).toBe(403);
    const write = await limited.core.createNamespacedConfigMap({ namespace: "rbac-allowed", body: { metadata: { name: "nope" } } }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect((write as ApiException<unknown>).code).toBe(403);
  });

  it("stops every process it started and leaves none behind", async () => {
    await plane.stop();
    expect(pids.filter(isAlive)).toEqual([]);
    expect(processesMentioning(dir)).toEqual([]);
    for (const c of plane.clusters.values()) expect(existsSync(join(c.dir, "pids.json"))).toBe(false);
    // Data stays for a warm start.
    expect(existsSync(join(dir, "hub", "etcd", "member"))).toBe(true);
  });
});

describe("the shared e2e plane and the env.ts helpers", () => {
  const ns = testNamespace("harness", { on: ["hub", "spoke1"] });

  it("serves the hub APIs on the hub and the spoke APIs on the spokes", async () => {
    const crds = await kubectlOk(hubKubeconfig(), ["get", "crd", "-o", "name"]);
    expect(crds).toContain("works.multicluster.x-k8s.io");
    expect(crds).toContain("clusterprofiles.multicluster.x-k8s.io");
    for (const n of [1, 2] as const) {
      const id = await kubectlOk(spokeKubeconfig(n), ["get", "clusterproperty", "cluster.clusterset.k8s.io", "-o", "jsonpath={.spec.value}"]);
      expect(id).toBe(`spoke${n}`);
    }
  });

  it("creates the test namespace on each cluster asked for", async () => {
    expect(ns).toMatch(/^harness-[0-9a-f]{6}$/);
    for (const path of [hubKubeconfig(), spokeKubeconfig(1)]) {
      const read = await clients(path).core.readNamespace({ name: ns });
      expect(read.metadata?.labels?.["e2e.work-api/test"]).toBe("true");
    }
    expect(await getOrUndefined(clients(spokeKubeconfig(2)).objects, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } })).toBeUndefined();
  });

  it("waitFor returns the first non-empty value and reports the last error on timeout", async () => {
    let n = 0;
    expect(await waitFor(() => (++n >= 3 ? `done after ${n}` : undefined), { intervalMs: 1 })).toBe("done after 3");
    await expect(
      waitFor(
        () => {
          throw new Error("still broken");
        },
        { timeoutMs: 50, intervalMs: 10, message: "the thing" },
      ),
    ).rejects.toThrow(WaitTimeoutError);
    await expect(waitFor(() => false, { timeoutMs: 30, intervalMs: 10 })).rejects.toThrow(/last value: false/);
    let m = 0;
    await eventually(() => expect(++m).toBeGreaterThan(2), { intervalMs: 1 });
  });
});

describe("a cluster that fails to start", () => {
  let dir = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "localplane-fail-"));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("reports the tail of the failing process's log and leaves no process behind", async () => {
    const err = await startCluster({
      dir,
      name: "broken",
      role: "spoke",
      binaries: findBinaries(),
      crdsDir: defaultCrdsDir(),
      clusterSet: "x",
      apiserverArgs: ["--no-such-flag=1"],
      timeoutMs: 60_000,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ProcessStartError);
    expect((err as Error).message).toMatch(/kube-apiserver exited with code \d+ before kube-apiserver \/readyz was ready/);
    expect((err as Error).message).toContain("unknown flag: --no-such-flag");
    expect((err as ProcessStartError).logPath).toBe(join(dir, "broken", "logs", "kube-apiserver.log"));
    expect(processesMentioning(dir)).toEqual([]);
    expect(existsSync(join(dir, "broken", "pids.json"))).toBe(false);
    expect(existsSync(join(dir, "broken", "kubeconfig"))).toBe(false);
  });
});
