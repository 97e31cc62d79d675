import { rmSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { WorkResource, type KubeObject } from "@work-api/api";
import { FakeApiServer, type KubeClient } from "@work-api/runtime";
import { appliedWork, failedWork, unknownWork } from "./fixtures.test-util.js";
import { kubeconfigFor, run, tmp } from "./harness.test-util.js";

let fake: FakeApiServer;
let client: KubeClient;
let kc: string;

beforeAll(async () => {
  fake = await FakeApiServer.start([WorkResource]);
  client = fake.client();
  kc = kubeconfigFor(fake.url, "spoke1");
  const labelled = appliedWork("api", "spoke2");
  labelled.metadata.labels = { app: "api" };
  for (const w of [appliedWork("web", "spoke1"), failedWork("db", "spoke1"), labelled]) {
    await client.create(WorkResource, w as unknown as KubeObject);
  }
  // Written as it is (generation 5, status of generation 4), as the server holds it after an edit.
  fake.put(WorkResource, unknownWork("cache", "spoke2") as unknown as KubeObject);
});

afterAll(async () => {
  client.close();
  await fake.close();
  rmSync(tmp, { recursive: true, force: true });
});

beforeEach(() => {
  fake.requests.length = 0;
  fake.clearFaults();
});

const rows = (out: string): string[][] => out.trimEnd().split("\n").slice(1).map((l) => l.split(/ {3,}/));

describe("kubectl work get", () => {
  it("lists the Works of the context's namespace, with one LIST", async () => {
    const r = await run(["get", "--kubeconfig", kc]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out.split("\n")[0]).toMatch(/^NAME +APPLIED +AVAILABLE +DEGRADED +MANIFESTS +FAILING +AGE$/);
    expect(rows(r.out).map((c) => c.slice(0, 6))).toEqual([
      ["db", "False", "-", "True", "1/3 applied", "1 Deployment/web: AppliedManifestFailed"],
      ["web", "True", "True", "-", "3/3 applied", "-"],
    ]);
    expect(fake.requests.map((q) => [q.method, q.path, q.query.limit])).toEqual([["GET", "/apis/multicluster.x-k8s.io/v1alpha1/namespaces/spoke1/works", "250"]]);
  });

  it("lists every namespace with -A, and -n picks one", async () => {
    const all = await run(["get", "-A", "--kubeconfig", kc]);
    expect(all.code).toBe(0);
    expect(rows(all.out).map((c) => c.slice(0, 2))).toEqual([
      ["spoke1", "db"],
      ["spoke1", "web"],
      ["spoke2", "api"],
      ["spoke2", "cache"],
    ]);
    expect(fake.requests.at(-1)?.path).toBe("/apis/multicluster.x-k8s.io/v1alpha1/works");
    // The status of cache is for an older generation: marked, and said on stderr.
    expect(all.err).toBe("* computed for an older generation of the Work: the agent has not caught up yet\n");
    const one = await run(["get", "-n", "spoke2", "--kubeconfig", kc]);
    expect(rows(one.out).map((c) => c[0])).toEqual(["api", "cache"]);
  });

  it("selects by label with -l and reads named Works with a GET each", async () => {
    const sel = await run(["get", "-A", "-l", "app=api", "--kubeconfig", kc]);
    expect(rows(sel.out).map((c) => c.slice(0, 2))).toEqual([["spoke2", "api"]]);
    expect(fake.requests.at(-1)?.query.labelSelector).toBe("app=api");
    const named = await run(["get", "web", "work/db", "--kubeconfig", kc]);
    expect(rows(named.out).map((c) => c[0])).toEqual(["db", "web"]);
    expect(fake.requests.slice(-2).map((q) => q.path)).toEqual([
      "/apis/multicluster.x-k8s.io/v1alpha1/namespaces/spoke1/works/web",
      "/apis/multicluster.x-k8s.io/v1alpha1/namespaces/spoke1/works/db",
    ]);
  });

  it("prints the rows with every failing manifest and message as json and yaml", async () => {
    const r = await run(["get", "-o", "json", "--kubeconfig", kc]);
    expect(r.code).toBe(0);
    const v = JSON.parse(r.out);
    expect(v.items.map((i: { name: string }) => i.name)).toEqual(["db", "web"]);
    expect(v.items[0]).toMatchObject({ namespace: "spoke1", applied: "False", degraded: "True", manifests: { total: 3, applied: 1, failed: 1, pending: 1 } });
    expect(v.items[0].failing[0]).toMatchObject({ ordinal: 1, kind: "Deployment", name: "web", reason: "AppliedManifestFailed" });
    expect(v.items[0].failing[0].message).toMatch(/^failed to apply: admission webhook/);
    expect(parseYaml((await run(["get", "-oyaml", "--kubeconfig", kc])).out)).toEqual(v);
  });

  it("says so when there is nothing, and exits 1 naming a Work that is not there", async () => {
    expect(await run(["get", "-n", "nowhere", "--kubeconfig", kc])).toEqual({ code: 0, out: "", err: "No Works found in namespace nowhere.\n" });
    expect(await run(["get", "-A", "-l", "app=none", "--kubeconfig", kc])).toEqual({ code: 0, out: "", err: "No Works found matching app=none.\n" });
    const r = await run(["get", "web", "nope", "--kubeconfig", kc]);
    expect(r.code).toBe(1);
    expect(rows(r.out).map((c) => c[0])).toEqual(["web"]);
    expect(r.err).toBe('kubectl work: Work "nope" not found in namespace "spoke1"\n');
  });

  it("refuses contradictory flags and bad outputs (exit 2), and reports API errors in one line (exit 1)", async () => {
    for (const argv of [["-A", "-n", "x"], ["-A", "web"], ["-l", "a=b", "web"], ["-o", "name"]]) {
      const r = await run(["get", ...argv, "--kubeconfig", kc]);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.err).toContain("Run 'kubectl work get --help' for usage.");
    }
    fake.failNext({ pathIncludes: "/works" }, 403);
    const denied = await run(["get", "-A", "--kubeconfig", kc]);
    expect(denied.code).toBe(1);
    expect(denied.err.split("\n")).toHaveLength(2);
  });
});
