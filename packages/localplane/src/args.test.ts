import { describe, expect, it } from "vitest";
import { apiserverArgs } from "./apiserver.js";
import { CONTROLLERS, controllerManagerArgs } from "./controller-manager.js";
import { etcdArgs } from "./etcd.js";
import type { Pki } from "./pki.js";

const pki: Pki = {
  dir: "/p/pki",
  saKey: "/p/pki/sa.key",
  saPub: "/p/pki/sa.pub",
  tokensCsv: "/p/pki/tokens.csv",
  servingDir: "/p/pki/serving",
  servingCert: "/p/pki/serving/apiserver.crt",
  caFile: "/p/pki/ca.crt",
  adminToken: "a",
  controllerManagerToken: "c",
};

describe("etcdArgs", () => {
  it("uses loopback client and peer URLs so several members coexist", () => {
    const args = etcdArgs({ name: "hub", dataDir: "/p/etcd", clientPort: 1111, peerPort: 2222, unsafeNoFsync: true });
    expect(args).toContain("--listen-client-urls=http://127.0.0.1:1111");
    expect(args).toContain("--listen-peer-urls=http://127.0.0.1:2222");
    expect(args).toContain("--initial-cluster=hub=http://127.0.0.1:2222");
    expect(args).toContain("--data-dir=/p/etcd");
    expect(args).toContain("--unsafe-no-fsync=true");
  });
});

describe("apiserverArgs", () => {
  it("serves TLS on loopback with RBAC, static tokens and service-account keys; extra args come last", () => {
    const args = apiserverArgs({ port: 6443, etcdUrl: "http://127.0.0.1:1111", pki, serviceCidr: "10.96.0.0/16", extraArgs: ["--v=4"] });
    for (const a of [
      "--bind-address=127.0.0.1",
      "--secure-port=6443",
      "--cert-dir=/p/pki/serving",
      "--authorization-mode=RBAC",
      "--token-auth-file=/p/pki/tokens.csv",
      "--service-account-signing-key-file=/p/pki/sa.key",
      "--service-account-key-file=/p/pki/sa.pub",
      "--service-cluster-ip-range=10.96.0.0/16",
      "--etcd-servers=http://127.0.0.1:1111",
    ]) {
      expect(args).toContain(a);
    }
    expect(args.some((a) => a.startsWith("--service-account-issuer="))).toBe(true);
    expect(args.at(-1)).toBe("--v=4");
  });
});

describe("controllerManagerArgs", () => {
  it("enables the workload, GC, namespace and service-account controllers without leader election", () => {
    const args = controllerManagerArgs({ kubeconfigPath: "/p/kcm/kubeconfig", pki, port: 3333, certDir: "/p/kcm" });
    const controllers = args.find((a) => a.startsWith("--controllers="))?.split("=")[1]?.split(",") ?? [];
    for (const c of [
      "garbage-collector-controller",
      "namespace-controller",
      "serviceaccount-controller",
      "serviceaccount-token-controller",
      "deployment-controller",
      "replicaset-controller",
      "job-controller",
      "statefulset-controller",
      "daemonset-controller",
    ]) {
      expect(controllers).toContain(c);
    }
    expect(controllers).toEqual([...CONTROLLERS]);
    expect(args).toContain("--leader-elect=false");
    expect(args).toContain("--service-account-private-key-file=/p/pki/sa.key");
    expect(args).toContain("--root-ca-file=/p/pki/ca.crt");
    expect(args).toContain("--secure-port=3333");
  });
});
