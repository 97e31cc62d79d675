/**
 * The built images (`make images`), run here: no container runtime works in
 * this sandbox (crun cannot set rlimits), so each image is mounted as a
 * container's root file system (`podman create` + `podman mount`) and its
 * entrypoint runs in it with `chroot --userspec` as the image's user, sharing
 * the host network. `make test-images` builds the images and runs this file
 * with E2E_AGENT_IMAGE and E2E_HUB_IMAGE set; without them it is skipped.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CLUSTER_MANAGER_LABEL, ClusterProfileResource } from "@work-api/api";
import { KubeClient, isNotFound } from "@work-api/runtime";
import { clients, hubKubeconfig, spokeKubeconfig, testNamespace, waitFor } from "./env.js";
import { REPO, mintAgentKubeconfig, startAgent } from "./agent-harness.js";
import { condition, waitForWorkCondition, workObject } from "./work-helpers.js";
import { gitShortHead, packageVersion } from "./build-info.js";

const ServiceAccounts = { group: "", version: "v1", resource: "serviceaccounts", kind: "ServiceAccount", namespaced: true } as const;
const AGENT_IMAGE = process.env.E2E_AGENT_IMAGE ?? "";
const HUB_IMAGE = process.env.E2E_HUB_IMAGE ?? "";

interface ImageConfig {
  User?: string;
  Entrypoint?: string[];
}

function podman(args: string[]): string {
  return execFileSync("podman", args, { encoding: "utf8" }).trim();
}

/** The image's config, and its file system as a mounted container (removed after the file). */
const mounted: string[] = [];
function open(image: string): { config: ImageConfig; rootfs: string } {
  const config = JSON.parse(podman(["image", "inspect", "--format", "{{json .Config}}", image])) as ImageConfig;
  const ctr = podman(["create", image]);
  mounted.push(ctr);
  return { config, rootfs: podman(["mount", ctr]) };
}
afterAll(() => {
  for (const ctr of mounted) {
    podman(["umount", ctr]);
    podman(["rm", ctr]);
  }
});

/** Names of every package in the production dependency trees of the agent and the hub (`npm ls --omit=dev -w agent -w hub`). */
function productionPackages(): Set<string> {
  const out = execFileSync("npm", ["ls", "--omit=dev", "--all", "--parseable", "-w", "agent", "-w", "hub"], { cwd: REPO, encoding: "utf8", maxBuffer: 64 << 20 });
  const names = new Set<string>();
  for (const line of out.split("\n")) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)$/.exec(line.trim());
    if (m) names.add(m[1]!);
  }
  return names;
}

/** Package names under a node_modules directory, nested ones included (scoped ones as @scope/name). */
function installed(dir: string): string[] {
  const names: string[] = [];
  const visit = (nm: string): void => {
    for (const e of readdirSync(nm)) {
      if (e.startsWith(".")) continue;
      const pkgs = e.startsWith("@") ? readdirSync(join(nm, e)).map((s) => `${e}/${s}`) : [e];
      for (const p of pkgs) {
        names.push(p);
        const nested = join(nm, p, "node_modules");
        if (existsSync(nested)) visit(nested);
      }
    }
  };
  visit(dir);
  return [...new Set(names)];
}

// make test-images sets E2E_REQUIRE_IMAGES: there, images that did not build fail the run instead of skipping it.
if (process.env.E2E_REQUIRE_IMAGES === "1" && (AGENT_IMAGE === "" || HUB_IMAGE === "")) throw new Error("E2E_REQUIRE_IMAGES=1 but E2E_AGENT_IMAGE or E2E_HUB_IMAGE is empty: the images did not build");

describe.skipIf(AGENT_IMAGE === "" || HUB_IMAGE === "")("the work-agent and work-hub images", () => {
  const cluster = testNamespace("image-agent");
  const inv = testNamespace("image-hub");
  for (const [what, image, bin] of [["work-agent", AGENT_IMAGE, "/app/agent/bin/work-agent.js"], ["work-hub", HUB_IMAGE, "/app/hub/bin/work-hub.js"]] as const) {
    it(`${what}: runs as non-root on the pinned Node.js with production dependencies only`, () => {
      const { config, rootfs } = open(image);
      expect(config.Entrypoint).toEqual(["node", bin]);
      const user = config.User ?? "";
      expect(user, "the image's user").not.toBe("");
      const uid = user.split(":")[0];
      expect(uid).not.toBe("0");
      expect(uid).not.toBe("root");
      const nodeVersion = execFileSync("chroot", [`--userspec=${user}`, rootfs, "node", "--version"], { encoding: "utf8" }).trim();
      expect(nodeVersion).toBe(`v${/^NODE_VERSION=(\S+)$/m.exec(readFileSync(join(REPO, "scripts/versions.env"), "utf8"))?.[1]}`);
      expect(nodeVersion).toMatch(/^v24\./);
      const prod = productionPackages();
      expect(prod.has("pino")).toBe(true);
      expect(prod.has("typescript")).toBe(false);
      const inImage = installed(join(rootfs, "app/node_modules"));
      expect(inImage.length).toBeGreaterThan(10);
      for (const dep of ["typescript", "vitest", "eslint", "tsx", "fast-check"]) expect(inImage, `${dep} (development only) in the image`).not.toContain(dep);
      const ours = ["@work-api/api", "@work-api/runtime", "@work-api/apply", "@work-api/agent", "@work-api/hub"];
      for (const dep of inImage) {
        if (dep.startsWith("@work-api/")) expect(ours, `${dep} (a workspace the components do not run) in the image`).toContain(dep);
        else expect(prod.has(dep), `${dep} in the image is not a production dependency of the agent or the hub`).toBe(true);
      }
      for (const src of ["agent/src", "hub/src", "packages/runtime/src", "packages/localplane", "e2e"]) expect(existsSync(join(rootfs, "app", src)), `/app/${src} in the image`).toBe(false);
      const help = execFileSync("chroot", [`--userspec=${user}`, rootfs, "node", bin, "--help"], { encoding: "utf8" });
      expect(help).toContain(`Usage: ${what}`);
      // Stamped at build time (make images passes WORK_API_COMMIT), though the image has no .git.
      const version = execFileSync("chroot", [`--userspec=${user}`, rootfs, "node", bin, "--version"], { encoding: "utf8" }).trim();
      expect(version).toBe(`${what} ${packageVersion(what === "work-agent" ? "agent" : "hub")} (commit ${gitShortHead()})`);
    });
  }

  it("the agent from its image applies a Work and reports it Applied", async () => {
    const { config, rootfs } = open(AGENT_IMAGE);
    const creds = await mintAgentKubeconfig(hubKubeconfig(), cluster);
    const agent = await startAgent({ hubKubeconfig: creds, spokeKubeconfig: spokeKubeconfig(1), clusterName: cluster, image: { rootfs, user: config.User!, entrypoint: config.Entrypoint! } });
    try {
      const hub = clients(hubKubeconfig());
      await hub.objects.create(workObject(cluster, "from-image", [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `${cluster}-from-image`, namespace: "default" }, data: { built: "here" } }]));
      const work = await waitForWorkCondition(hub.objects, cluster, "from-image", "Applied", "True");
      expect(condition(work.status?.conditions, "Available")?.status).toBe("True");
      const cm = await clients(spokeKubeconfig(1)).core.readNamespacedConfigMap({ name: `${cluster}-from-image`, namespace: "default" });
      expect(cm.data).toEqual({ built: "here" });
      // The process that did it is the image's node, as the image's user.
      const pid = agent.proc.pid!;
      expect(readFileSync(`/proc/${pid}/root/app/agent/bin/work-agent.js`, "utf8")).toBe(readFileSync(join(rootfs, "app/agent/bin/work-agent.js"), "utf8"));
      const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
      expect(uid).toBe(config.User!.split(":")[0]);
    } finally {
      expect(await agent.stop()).toBe(0);
    }
  });

  it("the hub from its image registers a ClusterProfile into a cluster namespace", async () => {
    const { config, rootfs } = open(HUB_IMAGE);
    const kubeconfig = join("/tmp", "e2e-kubeconfigs", `${inv}-hub`);
    execFileSync("install", ["-D", "-m", "0644", hubKubeconfig(), join(rootfs, kubeconfig)]);
    const proc = spawn("chroot", [`--userspec=${config.User!}`, rootfs, ...config.Entrypoint!, "--kubeconfig", kubeconfig, "--inventory-namespace", inv, "--health-addr", "0", "--metrics-addr", "0"], {
      env: { ...process.env, HOME: "/tmp" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    proc.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => proc.once("exit", (c) => r(c)));
    try {
      const admin = KubeClient.fromFile(hubKubeconfig());
      const name = `${inv.slice(-6)}-img`;
      await admin.create(ClusterProfileResource, { apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "ClusterProfile", metadata: { name, namespace: inv, labels: { [CLUSTER_MANAGER_LABEL]: "work-api" } }, spec: { clusterManager: { name: "work-api" } } });
      // Registration: the cluster's namespace on the hub, with the agent's ServiceAccount in it.
      await waitFor(
        async () => {
          if (proc.exitCode !== null) throw new Error(`work-hub exited with ${proc.exitCode}:\n${out.slice(-4000)}`);
          try {
            return await admin.get(ServiceAccounts, "work-agent", { namespace: name });
          } catch (e) {
            if (isNotFound(e)) return undefined;
            throw e;
          }
        },
        { timeoutMs: 30_000, message: `the hub from ${HUB_IMAGE} registers ${name}` },
      );
      await admin.delete(ClusterProfileResource, name, { namespace: inv });
      admin.close();
    } finally {
      proc.kill("SIGTERM");
      expect(await exited).toBe(0);
    }
  });
});
