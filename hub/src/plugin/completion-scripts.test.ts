import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { COMPLETION_SCRIPTS } from "./completion-scripts.js";

const has = (shell: string): boolean => spawnSync(shell, ["-c", "exit 0"]).status === 0;
const file = (shell: string): string => {
  const path = join(tmpdir(), `kubectl-work-completion-${process.pid}.${shell}`);
  writeFileSync(path, COMPLETION_SCRIPTS[shell]!);
  return path;
};

/**
 * Sources the bash script with a stand-in kubectl-work that records its arguments and prints
 * `answer`, completes `line` (the cursor at its end) and returns COMPREPLY and the arguments.
 */
function bashComplete(line: string, answer: string, wordbreaks?: string): { reply: string[]; args: string[] } {
  const script = `
    source ${JSON.stringify(file("bash"))}
    kubectl-work() { printf '%s\\n' "$@" > "$ARGS_FILE"; printf '%s' "$ANSWER"; }
    ${wordbreaks !== undefined ? `COMP_WORDBREAKS=${JSON.stringify(wordbreaks)}` : ""}
    COMP_LINE="$LINE"; COMP_POINT=\${#COMP_LINE}
    _kubectl_work
    printf '%s\\n' "\${COMPREPLY[@]}"`;
  const argsFile = join(tmpdir(), `kubectl-work-args-${process.pid}`);
  writeFileSync(argsFile, "");
  const r = spawnSync("bash", ["--norc", "--noprofile", "-c", script], { env: { PATH: process.env.PATH, LINE: line, ANSWER: answer, ARGS_FILE: argsFile }, encoding: "utf8" });
  expect(r.stderr).toBe("");
  const args = spawnSync("cat", [argsFile], { encoding: "utf8" }).stdout.split("\n").slice(0, -1);
  return { reply: r.stdout.split("\n").filter((l) => l !== ""), args };
}

describe("the bash script", () => {
  it("is valid bash", () => {
    expect(spawnSync("bash", ["-n", file("bash")]).status).toBe(0);
  });

  it("asks __complete with the words up to the cursor, the last one empty for a new word", () => {
    expect(bashComplete("kubectl-work status -n spoke1 ", "web\nweb2\n:4\n")).toEqual({ reply: ["web", "web2"], args: ["__complete", "status", "-n", "spoke1", ""] });
    expect(bashComplete("kubectl-work st", "status\tshow a Work\n:4\n")).toEqual({ reply: ["status"], args: ["__complete", "st"] });
  });

  it("keeps the candidates that fit the word, drops descriptions, and nothing on the error directive", () => {
    expect(bashComplete("kubectl-work get w", "web\tdesc\nwww\napi\n:4\n").reply).toEqual(["web", "www"]);
    expect(bashComplete("kubectl-work get w", "web\n:1\n").reply).toEqual([]);
    expect(bashComplete("kubectl-work get w", ":4\n").reply).toEqual([]);
  });

  it("completes --flag=value by its value (after bash's = word break), or whole when = breaks no word", () => {
    expect(bashComplete("kubectl-work status --output=y", "yaml\n:4\n")).toEqual({ reply: ["yaml"], args: ["__complete", "status", "--output=y"] });
    expect(bashComplete("kubectl-work status --output=y", "yaml\n:4\n", " \t\n\"'><;|&(:").reply).toEqual(["--output=yaml"]);
  });

  it("completes values with colons (contexts like arn:aws:…) past bash's : word break", () => {
    expect(bashComplete("kubectl-work status --context arn:aws:eks:", "arn:aws:eks:eu-1:123:cluster/hub\n:4\n").reply).toEqual(["eu-1:123:cluster/hub"]);
  });
});

describe.skipIf(!has("zsh"))("the zsh script", () => {
  it("is valid zsh", () => {
    const r = spawnSync("zsh", ["-n", file("zsh")], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});

describe.skipIf(!has("fish"))("the fish script", () => {
  /** `complete -C LINE` in fish with a stand-in kubectl-work printing `answer`. */
  function fishComplete(line: string, answer: string): string[] {
    const script = `source ${JSON.stringify(file("fish"))}; function kubectl-work; printf '%s' "$ANSWER"; end; complete -C "$LINE"`;
    const r = spawnSync("fish", ["--no-config", "-c", script], { env: { PATH: process.env.PATH, LINE: line, ANSWER: answer, HOME: tmpdir() }, encoding: "utf8" });
    expect(r.stderr).toBe("");
    return r.stdout.split("\n").filter((l) => l !== "");
  }

  it("is valid fish", () => {
    expect(spawnSync("fish", ["--no-config", "-n", file("fish")]).status).toBe(0);
  });

  it("shows candidates with their descriptions, puts --flag= back, and nothing on the error directive", () => {
    expect(fishComplete("kubectl-work st", "status\tshow a Work\nget\n:4\n")).toEqual(["status\tshow a Work"]);
    expect(fishComplete("kubectl-work status --output=", "json\nyaml\n:4\n")).toEqual(["--output=json", "--output=yaml"]);
    expect(fishComplete("kubectl-work st", "status\n:1\n")).toEqual([]);
  });
});
