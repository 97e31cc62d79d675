import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { KubeconfigError, loadKubeconfig } from "./kubeconfig.js";

const dir = mkdtempSync(join(tmpdir(), "kubectl-work-kc-"));

function file(name: string, o: { current?: string; contexts: { name: string; cluster: string; namespace?: string }[]; clusters: { name: string; server: string }[] }): string {
  const lines = [
    "apiVersion: v1",
    "kind: Config",
    `current-context: "${o.current ?? ""}"`,
    "clusters:",
    ...o.clusters.map((c) => `- name: ${c.name}\n  cluster:\n    server: ${c.server}`),
    "users:",
    "- name: u\n  user:\n    token: t",
    "contexts:",
    ...o.contexts.map((c) => `- name: ${c.name}\n  context:\n    cluster: ${c.cluster}\n    user: u${c.namespace ? `\n    namespace: ${c.namespace}` : ""}`),
  ];
  const path = join(dir, name);
  writeFileSync(path, lines.join("\n") + "\n");
  return path;
}

const a = file("a", { current: "hub", clusters: [{ name: "hub", server: "https://hub:6443" }], contexts: [{ name: "hub", cluster: "hub", namespace: "spoke1" }, { name: "plain", cluster: "hub" }] });
const b = file("b", { current: "other", clusters: [{ name: "hub", server: "https://shadowed:6443" }, { name: "other", server: "https://other:6443" }], contexts: [{ name: "other", cluster: "other" }] });
const noCurrent = file("c", { clusters: [{ name: "x", server: "https://x" }], contexts: [{ name: "x", cluster: "x" }] });
const dangling = file("d", { current: "broken", clusters: [], contexts: [{ name: "broken", cluster: "missing" }] });
const home = mkdtempSync(join(tmpdir(), "kubectl-work-home-"));
const homeWithConfig = mkdtempSync(join(tmpdir(), "kubectl-work-home-"));
afterAll(() => {
  for (const d of [dir, home, homeWithConfig]) rmSync(d, { recursive: true, force: true });
});

describe("loadKubeconfig", () => {
  it("uses --kubeconfig with its current context and that context's namespace", () => {
    const r = loadKubeconfig({ kubeconfig: a, env: { KUBECONFIG: b }, home });
    expect(r).toMatchObject({ context: "hub", namespace: "spoke1", source: a });
    expect(r.kc.getCurrentCluster()?.server).toBe("https://hub:6443");
  });

  it("switches to --context; a context without a namespace means default", () => {
    expect(loadKubeconfig({ kubeconfig: a, context: "plain", env: {}, home })).toMatchObject({ context: "plain", namespace: "default" });
  });

  it("merges the files of $KUBECONFIG, the first definition and current context winning, skipping missing files", () => {
    const r = loadKubeconfig({ env: { KUBECONFIG: [join(dir, "nope"), a, b].join(delimiter) }, home });
    expect(r.context).toBe("hub");
    expect(r.kc.getCurrentCluster()?.server).toBe("https://hub:6443");
    expect(loadKubeconfig({ env: { KUBECONFIG: [a, b].join(delimiter) }, context: "other", home }).kc.getCurrentCluster()?.server).toBe("https://other:6443");
  });

  it("falls back to ~/.kube/config", () => {
    const h = homeWithConfig;
    const kube = join(h, ".kube");
    mkdirSync(kube);
    writeFileSync(join(kube, "config"), readFileSync(a, "utf8"));
    expect(loadKubeconfig({ env: {}, home: h }).source).toBe(join(kube, "config"));
  });

  it("explains every way it can fail in one line", () => {
    const fail = (r: Parameters<typeof loadKubeconfig>[0]): string => {
      try {
        loadKubeconfig(r);
      } catch (err) {
        expect(err).toBeInstanceOf(KubeconfigError);
        return (err as Error).message;
      }
      throw new Error("did not fail");
    };
    expect(fail({ kubeconfig: join(dir, "nope"), env: {}, home })).toBe(`kubeconfig ${join(dir, "nope")} does not exist`);
    expect(fail({ env: { KUBECONFIG: join(dir, "nope") }, home })).toMatch(/^none of the files in \$KUBECONFIG exists/);
    expect(fail({ env: {}, home, serviceAccountDir: join(dir, "no-sa") })).toMatch(/^no kubeconfig: pass --kubeconfig, set \$KUBECONFIG, or create /);
    expect(fail({ kubeconfig: a, context: "bogus", env: {}, home })).toBe(`context "bogus" not found in ${a}`);
    expect(fail({ kubeconfig: noCurrent, env: {}, home })).toBe(`${noCurrent} has no current context; pass --context (contexts: x)`);
    expect(fail({ kubeconfig: dangling, env: {}, home })).toMatch(/names cluster "missing", which is not defined/);
  });
});
