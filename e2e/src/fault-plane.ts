/**
 * Private clusters for fault tests: a test that stops, freezes or restarts a
 * component must not do it to the shared plane other files use. Each one gets
 * its own dir (removed afterwards) and the localplane component controls
 * (stopComponent / startComponent / freezeComponent / thawComponent).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, connect, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPlane, type RunningCluster } from "@work-api/localplane";
import { clients, kubectlOk, type Clients } from "./env.js";

export interface PrivateCluster {
  cluster: RunningCluster;
  kubeconfig: string;
  clients: Clients;
  stop(): Promise<void>;
}

/** Starts one cluster of its own (a hub without nodes, or a spoke with `nodes` fake nodes). */
export async function startPrivateCluster(name: string, role: "hub" | "spoke", nodes = 0): Promise<PrivateCluster> {
  const dir = mkdtempSync(join(tmpdir(), `fault-${name}-`));
  const plane = await startPlane({ dir, clusters: [{ name, role }], nodes, parallel: false });
  const cluster = plane.cluster(name);
  return { cluster, kubeconfig: cluster.kubeconfigPath, clients: clients(cluster.kubeconfigPath), stop: () => plane.stop({ remove: true, graceMs: 2_000 }) };
}

/** A TCP proxy to `target` that can stop forwarding (both ways) while keeping every connection open. */
export class BlackholeProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  blackholed = false;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {
    this.server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("error", () => undefined);
        s.on("close", () => this.sockets.delete(s));
      }
      client.on("data", (d) => void (this.blackholed || upstream.write(d)));
      upstream.on("data", (d) => void (this.blackholed || client.write(d)));
      client.on("end", () => upstream.end());
      upstream.on("end", () => client.end());
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", () => r()));
    this.port = (this.server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** A copy of kubeconfig `path` that points at `server` (e.g. a proxy in front of the API server). */
export function kubeconfigVia(path: string, server: string): string {
  const text = readFileSync(path, "utf8");
  const original = /server: (\S+)/.exec(text)?.[1] ?? "";
  const out = join(mkdtempSync(join(tmpdir(), "via-")), "kubeconfig");
  writeFileSync(out, text.replace(original, server), { mode: 0o600 });
  return out;
}

/** host and port of the API server of kubeconfig `path`. */
export function serverOf(path: string): { host: string; port: number } {
  const url = new URL(/server: (\S+)/.exec(readFileSync(path, "utf8"))?.[1] ?? "");
  return { host: url.hostname, port: Number(url.port) };
}

/** Installs a namespaced CRD `<plural>.<group>` (v1) that keeps any fields, and waits until it is Established. */
export async function installLooseCrd(kubeconfig: string, group: string, plural: string, kind: string): Promise<void> {
  const crd = {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: "Namespaced",
      names: { plural, singular: kind.toLowerCase(), kind },
      versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } }],
    },
  };
  await kubectlOk(kubeconfig, ["apply", "-f", "-"], { input: JSON.stringify(crd) });
  await kubectlOk(kubeconfig, ["wait", "--for", "condition=Established", `crd/${plural}.${group}`, "--timeout", "60s"]);
}
