import { describe, expect, it } from "vitest";
import { parseFlags } from "@work-api/runtime";
import { CLUSTERS_FLAGS, STATUS_FLAGS, expandShortFlags } from "./flags.js";

describe("expandShortFlags", () => {
  it("rewrites kubectl's short flags in every spelling", () => {
    expect(expandShortFlags(["status", "w", "-n", "spoke1", "-o", "json"])).toEqual(["status", "w", "--namespace", "spoke1", "--output", "json"]);
    expect(expandShortFlags(["-nspoke1", "-ojson"])).toEqual(["--namespace=spoke1", "--output=json"]);
    expect(expandShortFlags(["-n=spoke1", "-o=", "-h"])).toEqual(["--namespace=spoke1", "--output=", "--help"]);
  });
  it("rewrites -l, and the boolean -A and -w, alone or grouped", () => {
    expect(expandShortFlags(["get", "-A", "-l", "app=web", "-lx=y"])).toEqual(["get", "--all-namespaces", "--selector", "app=web", "--selector=x=y"]);
    expect(expandShortFlags(["-w", "-Aw", "-w=false", "-Ax"])).toEqual(["--watch", "--all-namespaces", "--watch", "--watch=false", "-Ax"]);
  });
  it("leaves long flags, unknown short flags and anything after -- alone", () => {
    expect(expandShortFlags(["--namespace", "x", "-x", "--", "-n"])).toEqual(["--namespace", "x", "-x", "--", "-n"]);
  });
});

describe("flag tables", () => {
  it("parse the kubectl spellings of status", () => {
    const { values, positionals } = parseFlags(STATUS_FLAGS, expandShortFlags(["web", "-n", "spoke1", "-ojson", "--context=hub", "--kubeconfig", "/k"]), {});
    expect(positionals).toEqual(["web"]);
    expect(values).toMatchObject({ namespace: "spoke1", output: "json", context: "hub", kubeconfig: "/k" });
  });
  it("take the inventory namespace of clusters from the hub's environment variable", () => {
    expect(parseFlags(CLUSTERS_FLAGS, [], { WORK_HUB_INVENTORY_NAMESPACE: "inv" }).values["inventory-namespace"]).toBe("inv");
    expect(parseFlags(CLUSTERS_FLAGS, [], {}).values["inventory-namespace"]).toBe("fleet-system");
  });
  it("do not read $KUBECONFIG as a single path (it is a list, resolved like kubectl)", () => {
    expect(parseFlags(STATUS_FLAGS, [], { KUBECONFIG: "/a:/b" }).values.kubeconfig).toBeUndefined();
  });
});
