import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { ClusterProfileResource, WorkResource, type KubeObject, type Work } from "@work-api/api";
import { FakeApiServer, type KubeClient } from "@work-api/runtime";
import { JOIN_FLAGS } from "../config.js";
import { CLUSTERS_FLAGS, GET_FLAGS, GLOBAL_FLAGS, STATUS_FLAGS } from "./flags.js";
import { appliedWork, cond, failedWork, profile, unknownWork } from "./fixtures.test-util.js";
import { kubeconfigFor, start } from "./harness.test-util.js";
import { PER_NAMESPACE_LIST_MAX, type PluginDeps } from "./run.js";
import { workStatusView } from "./status.js";

interface Run {
  code: number;
  out: string;
  err: string;
}

async function run(argv: string[], o: { env?: NodeJS.ProcessEnv; tty?: boolean; deps?: PluginDeps } = {}): Promise<Run> {
  const r = start(argv, o);
  const code = await r.done;
  return { code, out: r.out(), err: r.err() };
}

let fake: FakeApiServer;
let client: KubeClient;
let kc: string;

beforeAll(async () => {
  fake = await FakeApiServer.start([WorkResource, ClusterProfileResource]);
  client = fake.client();
  kc = kubeconfigFor(fake.url);
  for (const w of [appliedWork("web", "spoke1"), failedWork("db", "spoke1"), unknownWork("cache", "spoke2"), appliedWork("web", "spoke2")]) {
    await client.create(WorkResource, w as unknown as KubeObject);
  }
});

afterAll(async () => {
  client.close();
  await fake.close();
});

beforeEach(() => {
  fake.requests.length = 0;
  fake.clearFaults();
});

function stored(namespace: string, name: string): Work {
  return fake.objects(WorkResource).find((o) => o.metadata?.namespace === namespace && o.metadata.name === name) as unknown as Work;
}

describe("kubectl work status", () => {
  it("prints the Work's header, conditions and manifest tree", async () => {
    const r = await run(["status", "db", "-n", "spoke1", "--kubeconfig", kc]);
    expect(r).toMatchObject({ code: 0, err: "" });
    expect(r.out).toMatch(/^Work: {8}db\nNamespace: {3}spoke1\n/);
    expect(r.out).toContain("AppliedWorkFailed");
    expect(r.out).toContain("├─ [1] apps/v1/Deployment default/web\n│    ✗ Applied");
    expect(r.out).toContain("└─ [2] v1/Namespace team-a\n     … pending");
    expect(r.out).not.toContain("\u001b[");
    expect(fake.requests.map((q) => `${q.method} ${q.path}`)).toEqual(["GET /apis/multicluster.x-k8s.io/v1alpha1/namespaces/spoke1/works/db"]);
  });

  it("colours on a terminal unless NO_COLOR is set", async () => {
    expect((await run(["status", "db", "-n", "spoke1", "--kubeconfig", kc], { tty: true })).out).toContain("\u001b[31m");
    expect((await run(["status", "db", "-n", "spoke1", "--kubeconfig", kc], { tty: true, env: { NO_COLOR: "1" } })).out).not.toContain("\u001b[");
  });

  it("prints the stable view with -o json and -o yaml", async () => {
    const json = await run(["status", "work/db", "--namespace=spoke1", "-ojson", "--kubeconfig", kc]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toEqual(workStatusView(stored("spoke1", "db")));
    const yaml = await run(["status", "db", "-n", "spoke1", "-o", "yaml", "--kubeconfig", kc]);
    expect(parseYaml(yaml.out)).toEqual(workStatusView(stored("spoke1", "db")));
  });

  it("uses $KUBECONFIG, --context and the context's namespace like kubectl", async () => {
    const withNs = kubeconfigFor(fake.url, "spoke1");
    expect((await run(["status", "db"], { env: { KUBECONFIG: withNs } })).code).toBe(0);
    const other = await run(["status", "cache", "--context", "elsewhere", "-o", "json"], { env: { KUBECONFIG: withNs } });
    expect(other.code).toBe(0);
    expect(JSON.parse(other.out).work).toMatchObject({ name: "cache", namespace: "spoke2" });
  });

  it("exits 1 with one line when the Work does not exist", async () => {
    const r = await run(["status", "nope", "-n", "spoke1", "--kubeconfig", kc]);
    expect(r).toEqual({ code: 1, out: "", err: 'kubectl work: Work "nope" not found in namespace "spoke1"\n' });
    const noNs = await run(["status", "db", "--kubeconfig", kc]);
    expect(noNs.code).toBe(1);
    expect(noNs.err).toBe(`kubectl work: Work "db" not found in namespace "default"; Works live in their cluster's namespace: pass -n CLUSTER\n`);
  });

  it("exits 1 when the cluster serves no Work API, or cannot be reached", async () => {
    const bare = await FakeApiServer.start([]);
    try {
      const r = await run(["status", "db", "-n", "spoke1", "--kubeconfig", kubeconfigFor(bare.url)]);
      expect(r.code).toBe(1);
      expect(r.err).toBe(`kubectl work: the API server at ${bare.url} serves no works.multicluster.x-k8s.io: is context "hub" the hub?\n`);
    } finally {
      await bare.close();
    }
    const down = await run(["status", "db", "-n", "spoke1", "--kubeconfig", kubeconfigFor("http://127.0.0.1:9")]);
    expect(down.code).toBe(1);
    expect(down.err).toMatch(/^kubectl work: cannot reach the API server at http:\/\/127\.0\.0\.1:9: .*ECONNREFUSED.*\n$/);
  });

  it("reports other API errors in one line", async () => {
    fake.failNext({ method: "GET" }, 403);
    const r = await run(["status", "db", "-n", "spoke1", "--kubeconfig", kc]);
    expect(r).toMatchObject({ code: 1, err: "kubectl work: injected fault\n" });
    fake.failNext({ method: "GET" }, 401, { count: 2 }); // the client retries a 401 once with fresh credentials
    expect((await run(["status", "db", "-n", "spoke1", "--kubeconfig", kc])).err).toBe(`kubectl work: Unauthorized: the API server at ${fake.url} rejected the kubeconfig's credentials\n`);
  });

  it("exits 1 on kubeconfig problems", async () => {
    const r = await run(["status", "db", "--kubeconfig", kc, "--context", "bogus"]);
    expect(r).toEqual({ code: 1, out: "", err: `kubectl work: context "bogus" not found in ${kc}\n` });
  });

  it("exits 2 on usage errors, pointing at the help", async () => {
    for (const argv of [["status"], ["status", "a", "b"], ["status", "a", "-o", "wide"], ["status", "a", "--bogus"], ["status", "pods/a"]]) {
      const r = await run([...argv, "--kubeconfig", kc]);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.err).toMatch(/^kubectl work: .+\nRun 'kubectl work status --help' for usage\.\n$/);
    }
    expect(fake.requests).toEqual([]);
  });
});

describe("kubectl work clusters", () => {
  const inv = "fleet-system";
  beforeAll(async () => {
    const healthy = { conditions: [cond("Joined", "True", "AgentJoined", "", 60), cond("ControlPlaneHealthy", "True", "Healthy", "", 60)], version: { kubernetes: "v1.32.4" } };
    await client.create(ClusterProfileResource, profile("spoke1", inv, healthy) as unknown as KubeObject);
    await client.create(ClusterProfileResource, profile("spoke2", inv, { conditions: [cond("Joined", "False", "LeaseExpired", "", 60)] }) as unknown as KubeObject);
    await client.create(ClusterProfileResource, profile("spoke3", inv, undefined, "someone-else") as unknown as KubeObject);
  });

  it("lists each cluster's health, version and Work counts, one LIST per cluster namespace", async () => {
    const r = await run(["clusters", "--kubeconfig", kc]);
    expect(r).toMatchObject({ code: 0, err: "" });
    const lines = r.out.split("\n");
    expect(lines[0]).toBe("NAME     JOINED   HEALTHY   VERSION   WORKS   APPLIED   AVAILABLE   FAILED   AGE");
    expect(lines[1]).toMatch(/^spoke1 {3}True {5}True {6}v1\.32\.4 {3}2 {7}1 {9}1 {11}1 {8}\S+$/);
    expect(lines[2]).toMatch(/^spoke2 {3}False {4}- {9}- {9}2 {7}1 {9}1 {11}0 {8}\S+$/);
    expect(lines[3]).toMatch(/^spoke3 {3}- {8}- {9}- {9}0 {7}0 {9}0 {11}0 {8}\S+$/);
    const paths = fake.requests.map((q) => q.path);
    expect(paths).toEqual([
      "/apis/multicluster.x-k8s.io/v1alpha1/namespaces/fleet-system/clusterprofiles",
      ...["spoke1", "spoke2", "spoke3"].map((ns) => `/apis/multicluster.x-k8s.io/v1alpha1/namespaces/${ns}/works`),
    ]);
  });

  it("prints the stable view with -o json, filtered by cluster manager", async () => {
    const r = await run(["clusters", "-o", "json", "--cluster-manager-name", "work-api", "--kubeconfig", kc]);
    expect(r.code).toBe(0);
    const v = JSON.parse(r.out);
    expect(v.inventoryNamespace).toBe(inv);
    expect(v.clusters.map((c: { name: string }) => c.name)).toEqual(["spoke1", "spoke2"]);
    expect(v.clusters[0]).toMatchObject({ name: "spoke1", namespace: "spoke1", joined: "True", healthy: "True", version: "v1.32.4", works: { total: 2, applied: 1, available: 1, failed: 1 }, worksError: null });
    expect(fake.requests[0]?.query.labelSelector).toBe("x-k8s.io/cluster-manager=work-api");
  });

  it("reads the inventory namespace from --inventory-namespace or the hub's environment variable", async () => {
    const r = await run(["clusters", "--kubeconfig", kc], { env: { WORK_HUB_INVENTORY_NAMESPACE: "elsewhere" } });
    expect(r).toEqual({ code: 0, out: "", err: "No ClusterProfiles found in namespace elsewhere.\n" });
    expect(JSON.parse((await run(["clusters", "--inventory-namespace", "empty", "-o", "json", "--kubeconfig", kc])).out)).toEqual({ inventoryNamespace: "empty", clusters: [] });
  });

  it("prints what it can and exits 1 when some cluster's Works cannot be listed", async () => {
    fake.failNext({ pathIncludes: "/namespaces/spoke2/works" }, 403);
    const r = await run(["clusters", "--kubeconfig", kc]);
    expect(r.code).toBe(1);
    expect(r.out.split("\n")[2]).toMatch(/^spoke2 {3}False {4}- {9}- {9}\? {7}\? {9}\? {11}\? {8}\S+$/);
    expect(r.err).toBe("kubectl work: cannot list the Works of cluster spoke2 (namespace spoke2): injected fault\n");
  });

  it("rejects arguments and -n", async () => {
    expect((await run(["clusters", "x", "--kubeconfig", kc])).code).toBe(2);
    const ns = await run(["clusters", "-n", "x", "--kubeconfig", kc]);
    expect(ns.code).toBe(2);
    expect(ns.err).toContain("clusters reads the ClusterProfiles of --inventory-namespace; -n/--namespace does not apply");
  });

  describe("with many clusters", () => {
    const many = Array.from({ length: PER_NAMESPACE_LIST_MAX + 4 }, (_, i) => `c${String(i).padStart(2, "0")}`);
    beforeAll(async () => {
      for (const name of many) await client.create(ClusterProfileResource, profile(name, "big") as unknown as KubeObject);
      await client.create(WorkResource, appliedWork("w", "c03") as unknown as KubeObject);
    });

    it("counts Works with one paginated LIST of all Works instead of one per namespace", async () => {
      const r = await run(["clusters", "--inventory-namespace", "big", "-o", "json", "--kubeconfig", kc]);
      expect(r.code).toBe(0);
      const v = JSON.parse(r.out);
      expect(v.clusters).toHaveLength(many.length);
      expect(v.clusters[3].works).toEqual({ total: 1, applied: 1, available: 1, failed: 0 });
      expect(v.clusters[0].works).toEqual({ total: 0, applied: 0, available: 0, failed: 0 });
      expect(fake.requests.map((q) => q.path)).toEqual([
        "/apis/multicluster.x-k8s.io/v1alpha1/namespaces/big/clusterprofiles",
        "/apis/multicluster.x-k8s.io/v1alpha1/works",
      ]);
    });

    it("falls back to a LIST per namespace, a few at a time, when it may not list Works everywhere", async () => {
      fake.failNext({ pathIncludes: "/v1alpha1/works" }, 403);
      const r = await run(["clusters", "--inventory-namespace", "big", "-o", "json", "--kubeconfig", kc]);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out).clusters[3].works.total).toBe(1);
      expect(fake.requests).toHaveLength(2 + many.length);
    });
  });
});

describe("help and commands", () => {
  it("documents every flag of every command", async () => {
    const top = await run(["--help"]);
    expect(top.code).toBe(0);
    for (const c of ["status NAME -n CLUSTER", "get [-n CLUSTER | -A]", "clusters", "join CLUSTER", "completion SHELL", "version"]) expect(top.out).toContain(c);
    expect(top.out).toMatch(/\n {2}--version\n {6}Print the version and exit: kubectl-work \S+ \(commit \S+\)\n/);
    for (const f of GLOBAL_FLAGS) expect(top.out).toContain(`--${f.name}`);
    for (const [cmd, flags] of [
      ["status", STATUS_FLAGS],
      ["get", GET_FLAGS],
      ["clusters", CLUSTERS_FLAGS],
      ["join", JOIN_FLAGS],
    ] as const) {
      const r = await run([cmd, "-h"]);
      expect(r.code, cmd).toBe(0);
      for (const f of flags) expect(r.out, `${cmd} --${f.name}`).toContain(`--${f.name}`);
      expect((await run(["help", cmd])).out).toBe(r.out);
    }
    expect((await run(["status", "--help"])).out).toMatch(/^Usage: kubectl work status NAME -n CLUSTER/);
    expect((await run(["join", "--help"])).out).toMatch(/^Usage: kubectl work join CLUSTER/);
  });

  it("exits 2 without a command or with an unknown one", async () => {
    const none = await run([]);
    expect(none.code).toBe(2);
    expect(none.err).toContain("Usage: kubectl work COMMAND");
    expect(await run(["frobnicate"])).toMatchObject({ code: 2, err: `kubectl work: unknown command "frobnicate" (commands: status, diff, get, clusters, join, completion, version)\nRun 'kubectl work --help' for usage.\n` });
    expect((await run(["--kubeconfig", kc, "status"])).code).toBe(2);
  });

  it("hands join to the hub's join command", async () => {
    const calls: unknown[][] = [];
    const join: PluginDeps["join"] = async (argv, io, usage) => {
      calls.push([argv, usage]);
      io.out("joined\n");
      return 0;
    };
    const r = await run(["join", "spoke9", "--kubeconfig", kc, "-h"], { deps: { join } });
    expect(r).toEqual({ code: 0, out: "joined\n", err: "" });
    expect(calls).toEqual([[["spoke9", "--kubeconfig", kc, "--help"], "kubectl work join CLUSTER [flags] | kubectl --context <spoke> apply -f -"]]);
    const usage = await run(["join"]);
    expect(usage.code).toBe(2);
    expect(usage.err).toContain("join takes exactly one argument");
    const ctx = await run(["join", "spoke9", "--context=hub"], { deps: { join } });
    expect(ctx.code).toBe(2);
    expect(ctx.err).toContain("join does not take --context");
    expect(calls).toHaveLength(1);
  });
});
