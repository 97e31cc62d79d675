import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WorkResource, type KubeObject } from "@work-api/api";
import { FakeApiServer } from "@work-api/runtime";
import { Directive, complete, renderCompletions, type CompletionSource } from "./complete.js";
import { appliedWork } from "./fixtures.test-util.js";
import { kubeconfigFor, run, tmp } from "./harness.test-util.js";

const asked: string[] = [];
const source: CompletionSource = {
  works: async (ns) => (asked.push(`works ${ns ?? "<context>"}`), ns === "spoke2" ? ["db", "web"] : ["web", "api", "cache"]),
  namespaces: async () => (asked.push("namespaces"), ["spoke1", "spoke2", "default"]),
  clusters: async (inv) => (asked.push(`clusters ${inv}`), ["spoke1", "spoke2"]),
  contexts: async () => ["hub", "kind-hub"],
};

const values = async (words: string[]): Promise<string[]> => (await complete(words, source)).candidates.map((c) => c.value);

describe("complete", () => {
  it("completes commands, with descriptions, never files", async () => {
    const c = await complete([""], source);
    expect(c.directive).toBe(Directive.NoFileComp);
    expect(c.candidates.map((x) => x.value)).toEqual(["status", "diff", "get", "clusters", "join", "completion", "version", "help"]);
    expect(c.candidates.every((x) => (x.description ?? "") !== "")).toBe(true);
    expect(await values(["st"])).toEqual(["status"]);
    expect(await values(["--"])).toEqual(["--help", "--version"]);
    expect(await values(["nope", ""])).toEqual([]);
  });

  it("completes Work names of the namespace typed (-n in any spelling), else the context's", async () => {
    asked.length = 0;
    expect(await values(["status", ""])).toEqual(["api", "cache", "web"]);
    expect(await values(["status", "-n", "spoke2", "w"])).toEqual(["web"]);
    expect(await values(["status", "--namespace=spoke2", ""])).toEqual(["db", "web"]);
    expect(await values(["status", "-nspoke2", "d"])).toEqual(["db"]);
    expect(asked).toEqual(["works <context>", "works spoke2", "works spoke2", "works spoke2"]);
    // status takes one name; get any number, not twice the same, and none with -A or -l.
    expect(await values(["status", "web", ""])).toEqual([]);
    expect(await values(["get", "web", ""])).toEqual(["api", "cache"]);
    expect(await values(["get", "-A", ""])).toEqual([]);
    expect(await values(["get", "-l", "app=x", ""])).toEqual([]);
  });

  it("completes flags of the command, long and short", async () => {
    expect(await values(["get", "-"])).toEqual(expect.arrayContaining(["--all-namespaces", "-A", "--selector", "-l", "--output", "-o", "--help", "-h"]));
    expect(await values(["get", "--a"])).toEqual(["--all-namespaces"]);
    expect(await values(["status", "--w"])).toEqual(["--watch"]);
    expect(await values(["clusters", "--i"])).toEqual(["--inventory-namespace"]);
    expect(await values(["status", "--", "-"])).toEqual([]);
  });

  it("completes flag values: outputs per command, namespaces, contexts, fixed values; files for --kubeconfig", async () => {
    expect(await values(["get", "-o", ""])).toEqual(["json", "text", "wide", "yaml"]);
    expect(await values(["status", "-o", ""])).toEqual(["json", "text", "yaml"]);
    expect(await values(["status", "--output=y"])).toEqual(["yaml"]);
    expect(await values(["get", "-n", "sp"])).toEqual(["spoke1", "spoke2"]);
    expect(await values(["clusters", "--inventory-namespace", "d"])).toEqual(["default"]);
    expect(await values(["status", "--context", "k"])).toEqual(["kind-hub"]);
    expect(await values(["join", "x", "--executor-rbac", "c"])).toEqual(["cluster-admin"]);
    expect(await complete(["status", "--kubeconfig", ""], source)).toEqual({ candidates: [], directive: Directive.Default });
    expect(await complete(["status", "--kubeconfig=/tm"], source)).toEqual({ candidates: [], directive: Directive.Default });
  });

  it("completes cluster names for join, shells for completion, commands for help", async () => {
    asked.length = 0;
    expect(await values(["join", ""])).toEqual(["spoke1", "spoke2"]);
    expect(await values(["join", "--inventory-namespace", "inv", "s"])).toEqual(["spoke1", "spoke2"]);
    expect(asked).toEqual(["clusters fleet-system", "clusters inv"]);
    expect(await values(["completion", ""])).toEqual(["bash", "fish", "zsh"]);
    expect(await values(["completion", "bash", ""])).toEqual([]);
    expect(await values(["help", "g"])).toEqual(["get"]);
  });

  it("prints Cobra's protocol: value<TAB>description lines, then :directive", () => {
    expect(renderCompletions({ candidates: [{ value: "a", description: "the\ta" }, { value: "b" }], directive: 4 })).toBe("a\tthe a\nb\n:4\n");
    expect(renderCompletions({ candidates: [], directive: 0 })).toBe(":0\n");
  });
});

describe("kubectl work __complete against an API server", () => {
  let fake: FakeApiServer;
  let kc: string;
  beforeAll(async () => {
    fake = await FakeApiServer.start([WorkResource]);
    kc = kubeconfigFor(fake.url, "spoke1");
    for (const w of [appliedWork("web", "spoke1"), appliedWork("db", "spoke1"), appliedWork("other", "spoke2")]) fake.put(WorkResource, w as unknown as KubeObject);
    fake.put({ group: "", version: "v1", resource: "namespaces" }, { apiVersion: "v1", kind: "Namespace", metadata: { name: "spoke1" } });
  });
  afterAll(async () => {
    await fake.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("lists Work names (metadata only) of the namespace typed, with the kubeconfig typed", async () => {
    fake.requests.length = 0;
    expect(await run(["__complete", "status", "--kubeconfig", kc, ""])).toEqual({ code: 0, out: "db\nweb\n:4\n", err: "" });
    expect(await run(["__complete", "get", "-n", "spoke2", "--kubeconfig", kc, "o"])).toEqual({ code: 0, out: "other\n:4\n", err: "" });
    expect(fake.requests[0]).toMatchObject({ path: "/apis/multicluster.x-k8s.io/v1alpha1/namespaces/spoke1/works", query: { limit: "1000" } });
    expect(fake.requests[0]?.headers.accept).toMatch(/^application\/json;as=PartialObjectMetadataList;g=meta\.k8s\.io;v=v1,/);
    expect(await run(["__complete", "status", "--kubeconfig", kc, "-n", "sp"])).toEqual({ code: 0, out: "spoke1\n:4\n", err: "" });
  });

  it("completes nothing, quietly, when the hub cannot answer", async () => {
    fake.failNext({ pathIncludes: "/works" }, 500);
    expect(await run(["__complete", "status", "--kubeconfig", kc, ""])).toEqual({ code: 0, out: ":4\n", err: "" });
    expect(await run(["__complete", "status", "--kubeconfig", "/no/such/file", ""])).toEqual({ code: 0, out: ":4\n", err: "" });
    expect(await run(["__complete", "status", "--context", "", "--kubeconfig", kc, ""], { env: {} })).toMatchObject({ code: 0 });
  });
});
