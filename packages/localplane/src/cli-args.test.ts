import { describe, expect, it } from "vitest";
import { HELP, helpText, parseCli } from "./cli-args.js";
import { UsageError } from "./errors.js";

describe("parseCli", () => {
  it("parses up with defaults and roles", () => {
    expect(parseCli(["up", "hub", "spoke1", "edge:hub"])).toEqual({
      kind: "up",
      dir: ".localplane",
      clusters: [
        { name: "hub", role: "hub" },
        { name: "spoke1", role: "spoke" },
        { name: "edge", role: "hub" },
      ],
      binDir: undefined,
      crdsDir: undefined,
      clusterSet: "localplane",
      clean: false,
      timeoutSeconds: undefined,
    });
  });

  it("parses up flags", () => {
    const c = parseCli(["up", "a", "--dir", "/tmp/x", "--bin-dir=/b", "--crds-dir", "/c", "--clusterset", "set1", "--clean", "--timeout", "30"]);
    expect(c).toMatchObject({ dir: "/tmp/x", binDir: "/b", crdsDir: "/c", clusterSet: "set1", clean: true, timeoutSeconds: 30 });
  });

  it("parses down, status and kubeconfig", () => {
    expect(parseCli(["down", "--clean"])).toEqual({ kind: "down", dir: ".localplane", clean: true });
    expect(parseCli(["status", "--dir", "d", "--json"])).toEqual({ kind: "status", dir: "d", json: true });
    expect(parseCli(["kubeconfig", "hub"])).toEqual({ kind: "kubeconfig", dir: ".localplane", name: "hub" });
    expect(parseCli(["freeze", "hub", "kube-apiserver", "--dir", "d"])).toEqual({ kind: "freeze", dir: "d", name: "hub", component: "kube-apiserver" });
    expect(parseCli(["thaw", "hub", "etcd"])).toEqual({ kind: "thaw", dir: ".localplane", name: "hub", component: "etcd" });
    expect(() => parseCli(["freeze", "hub"])).toThrow(/a cluster name and a component/);
  });

  it("parses --version (and `version`), which takes no arguments", () => {
    expect(parseCli(["--version"])).toEqual({ kind: "version" });
    expect(parseCli(["version"])).toEqual({ kind: "version" });
    expect(() => parseCli(["--version", "x"])).toThrow(UsageError);
    expect(HELP.main).toContain("localplane --version");
  });

  it("routes --help to the command's help", () => {
    expect(parseCli([])).toEqual({ kind: "help" });
    expect(parseCli(["--help"])).toEqual({ kind: "help" });
    expect(parseCli(["up", "--help"])).toEqual({ kind: "help", topic: "up" });
    expect(parseCli(["down", "-h"])).toEqual({ kind: "help", topic: "down" });
    expect(parseCli(["help", "status"])).toEqual({ kind: "help", topic: "status" });
  });

  it("rejects bad input with usage errors", () => {
    expect(() => parseCli(["launch"])).toThrow(UsageError);
    expect(() => parseCli(["up"])).toThrow(/at least one cluster/);
    expect(() => parseCli(["up", "a", "--nope"])).toThrow(UsageError);
    expect(() => parseCli(["up", "a", "a"])).toThrow(/twice/);
    expect(() => parseCli(["up", "a", "--timeout", "soon"])).toThrow(/--timeout/);
    expect(() => parseCli(["kubeconfig"])).toThrow(/exactly one/);
    expect(() => parseCli(["down", "extra"])).toThrow(/unexpected argument/);
  });
});

describe("help", () => {
  it("documents every flag of every command with its default", () => {
    expect(helpText("up")).toMatch(/--dir DIR.*default \.localplane/);
    for (const flag of ["--bin-dir", "--crds-dir", "--clusterset", "--clean", "--timeout"]) expect(HELP.up).toContain(flag);
    expect(HELP.down).toContain("--clean");
    expect(HELP.status).toContain("--json");
    expect(() => helpText("nope")).toThrow(UsageError);
  });
});
