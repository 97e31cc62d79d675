/**
 * Shell completion of the `kubectl work` plugin with the real bins of
 * node_modules/.bin against the hub of the shared plane: the bash script of
 * `kubectl-work completion bash` sourced in bash (its function called as bash
 * calls it), and kubectl's own plugin completion, which runs
 * kubectl_complete-work; Work names come from the hub.
 */
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WorkResource, type Work } from "@work-api/api";
import { KubeClient } from "@work-api/runtime";
import { binPath, REPO } from "./build-info.js";
import { hubKubeconfig, testNamespace } from "./env.js";

const ns = testNamespace("kw-complete");
const admin = KubeClient.fromFile(hubKubeconfig());

/** A user's shell with the workspace's bins on PATH and the hub as $KUBECONFIG. */
function shellEnv(): NodeJS.ProcessEnv {
  return { ...process.env, PATH: [`${REPO}/node_modules/.bin`, process.env.PATH ?? ""].join(":"), KUBECONFIG: hubKubeconfig() };
}

const has = (shell: string): boolean => spawnSync(shell, ["-c", "exit 0"]).status === 0;

/** Sources `kubectl-work completion bash` in bash and completes `line` (cursor at its end) as bash does: COMPREPLY. */
function bashComplete(line: string): string[] {
  const script = `
    source <(kubectl-work completion bash) || exit 9
    COMP_LINE="$LINE"; COMP_POINT=\${#COMP_LINE}
    read -r -a COMP_WORDS <<< "$COMP_LINE"; [[ $COMP_LINE == *" " ]] && COMP_WORDS+=("")
    COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
    _kubectl_work
    printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync("bash", ["--norc", "--noprofile", "-c", script], { env: { ...shellEnv(), LINE: line }, encoding: "utf8", timeout: 60_000 });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return r.stdout.split("\n").filter((l) => l !== "");
}

beforeAll(async () => {
  for (const name of ["web", "worker", "db"]) {
    await admin.create<Work>(WorkResource, { apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "Work", metadata: { name, namespace: ns }, spec: { workload: { manifests: [] } } });
  }
});

afterAll(() => admin.close());

describe("kubectl-work completion bash", () => {
  it("prints a script bash accepts", () => {
    const script = spawnSync(binPath("kubectl-work"), ["completion", "bash"], { encoding: "utf8" });
    expect(script.status).toBe(0);
    const check = spawnSync("bash", ["-n"], { input: script.stdout, encoding: "utf8" });
    expect(check.stderr).toBe("");
    expect(check.status).toBe(0);
  });

  it("completes the commands get and status, their flags, and Work names from the hub", () => {
    expect(bashComplete("kubectl-work g")).toEqual(["get"]);
    expect(bashComplete("kubectl-work st")).toEqual(["status"]);
    expect(bashComplete("kubectl-work status --wa")).toEqual(["--watch"]);
    expect(bashComplete(`kubectl-work status -n ${ns} `)).toEqual(["db", "web", "worker"]);
    expect(bashComplete(`kubectl-work get -n ${ns} w`)).toEqual(["web", "worker"]);
    expect(bashComplete(`kubectl-work get -n ${ns} web w`)).toEqual(["worker"]);
    expect(bashComplete("kubectl-work get -o w")).toEqual(["wide"]);
    expect(bashComplete(`kubectl-work get --namespace=${ns.slice(0, -2)}`)).toEqual([ns]);
  });
});

describe("kubectl's own completion of `kubectl work` (kubectl_complete-work)", () => {
  /** What kubectl's completion scripts ask kubectl: `kubectl __complete work ARGS...`; stdout holds the candidates. */
  function kubectlComplete(...args: string[]): string[] {
    const r = spawnSync(process.env.KUBECTL ?? "kubectl", ["__complete", "work", ...args], { env: shellEnv(), encoding: "utf8", timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout.split("\n").filter((l) => l !== "");
  }

  it("completes commands and Work names through kubectl_complete-work on PATH", () => {
    expect(kubectlComplete("st")).toEqual(["status\ta Work's conditions and manifests (-w: follow it)", ":4"]);
    expect(kubectlComplete("status", "-n", ns, "w")).toEqual(["web", "worker", ":4"]);
    expect(kubectlComplete("get", "-n", ns, "")).toEqual(["db", "web", "worker", ":4"]);
  });
});

describe.skipIf(!has("fish"))("kubectl-work completion fish (fish is installed here)", () => {
  it("completes Work names from the hub", () => {
    const r = spawnSync("fish", ["--no-config", "-c", `kubectl-work completion fish | source; complete -C "kubectl-work status -n ${ns} w"`], { env: shellEnv(), encoding: "utf8", timeout: 60_000 });
    expect(r.stderr).toBe("");
    expect(r.stdout.split("\n").filter((l) => l !== "")).toEqual(["web", "worker"]);
  });
});

describe.skipIf(!has("zsh"))("kubectl-work completion zsh (zsh is installed here)", () => {
  it("prints a script zsh accepts", () => {
    const script = spawnSync(binPath("kubectl-work"), ["completion", "zsh"], { encoding: "utf8" });
    expect(script.status).toBe(0);
    expect(script.stdout).toContain("compdef _kubectl_work kubectl-work");
    const check = spawnSync("zsh", ["-n"], { input: script.stdout, encoding: "utf8" });
    expect(check.stderr).toBe("");
    expect(check.status).toBe(0);
  });
});
