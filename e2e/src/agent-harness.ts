/**
 * Running real `work-agent` processes in e2e tests: least-privilege hub
 * credentials minted with TokenRequest (never the hub admin), on the spoke the
 * identity `work-hub join` ships (never the spoke admin: see
 * {@link shippedSpokeKubeconfig}), a free metrics port, logs kept for failure
 * messages, and a clean stop.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { KubeConfig, RbacAuthorizationV1Api, type V1PolicyRule } from "@kubernetes/client-node";
import { AGENT_KUBECONFIG_KEY, AGENT_KUBECONFIG_SECRET } from "@work-api/api";
import { joinManifests } from "@work-api/hub";
import { clients, isNotFound, kubectlOk, waitFor } from "./env.js";

export const REPO = resolve(import.meta.dirname, "../..");
/** The agent under test; E2E_AGENT_BIN runs another build (e.g. the previous commit, to see a new test fail first). */
export const AGENT_BIN = process.env.E2E_AGENT_BIN ?? join(REPO, "agent/bin/work-agent.js");

/** The agent's ServiceAccount on the hub: named as the hub names it, so the shipped admission policy applies. */
const AGENT_SA = "work-agent";

/** What an agent needs on the hub, in its own namespace only. */
export const AGENT_HUB_RULES: V1PolicyRule[] = [
  { apiGroups: ["multicluster.x-k8s.io"], resources: ["works"], verbs: ["get", "list", "watch", "update", "patch"] },
  { apiGroups: ["multicluster.x-k8s.io"], resources: ["works/status", "works/finalizers"], verbs: ["get", "update", "patch"] },
  { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "list", "watch", "create", "update", "patch"] },
  { apiGroups: ["", "events.k8s.io"], resources: ["events"], verbs: ["create", "patch", "update"] },
];

function isConflict(err: unknown): boolean {
  return (err as { code?: number })?.code === 409;
}

async function createOrIgnore(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (!isConflict(err)) throw err;
  }
}

/** Writes a kubeconfig for `server`/`ca` with a bearer token and returns its path. */
export function writeTokenKubeconfig(dir: string, file: string, server: string, caData: string | undefined, token: string, namespace: string): string {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server, caData, skipTLSVerify: false }],
    users: [{ name: "u", token }],
    contexts: [{ name: "ctx", cluster: "c", user: "u", namespace }],
    currentContext: "ctx",
  });
  const path = join(dir, file);
  writeFileSync(path, kc.exportConfig(), { mode: 0o600 });
  return path;
}

/**
 * A ServiceAccount `agent` in `namespace` on the hub with exactly the agent's
 * Role there, and a kubeconfig for it from a bound token (1 h).
 */
export async function mintAgentKubeconfig(hubKubeconfig: string, namespace: string, rules: V1PolicyRule[] = AGENT_HUB_RULES): Promise<string> {
  const hub = clients(hubKubeconfig);
  const rbac = hub.kc.makeApiClient(RbacAuthorizationV1Api);
  await createOrIgnore(() => hub.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: AGENT_SA } } }));
  await createOrIgnore(() => rbac.createNamespacedRole({ namespace, body: { metadata: { name: "agent" }, rules } }));
  await createOrIgnore(() =>
    rbac.createNamespacedRoleBinding({
      namespace,
      body: { metadata: { name: "agent" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "agent" }, subjects: [{ kind: "ServiceAccount", name: AGENT_SA, namespace }] },
    }),
  );
  const tr = await hub.core.createNamespacedServiceAccountToken({ name: AGENT_SA, namespace, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  const cluster = hub.kc.getCurrentCluster()!;
  const dir = mkdtempSync(join(tmpdir(), "agent-creds-"));
  return writeTokenKubeconfig(dir, "hub.kubeconfig", cluster.server, cluster.caData, tr.status!.token, namespace);
}

/** A ServiceAccount on a spoke bound to a ClusterRole with `rules`; returns its kubeconfig. */
export async function mintSpokeKubeconfig(spokeKubeconfig: string, name: string, rules: V1PolicyRule[]): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const spoke = clients(spokeKubeconfig);
  const rbac = spoke.kc.makeApiClient(RbacAuthorizationV1Api);
  const ns = "default";
  await createOrIgnore(() => spoke.core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name } } }));
  await createOrIgnore(() => rbac.createClusterRole({ body: { metadata: { name }, rules } }));
  await createOrIgnore(() =>
    rbac.createClusterRoleBinding({ body: { metadata: { name }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name }, subjects: [{ kind: "ServiceAccount", name, namespace: ns }] } }),
  );
  const tr = await spoke.core.createNamespacedServiceAccountToken({ name, namespace: ns, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  const cluster = spoke.kc.getCurrentCluster()!;
  const dir = mkdtempSync(join(tmpdir(), "spoke-creds-"));
  const path = writeTokenKubeconfig(dir, "spoke.kubeconfig", cluster.server, cluster.caData, tr.status!.token, ns);
  const cleanup = async (): Promise<void> => {
    for (const del of [() => rbac.deleteClusterRoleBinding({ name }), () => rbac.deleteClusterRole({ name }), () => spoke.core.deleteNamespacedServiceAccount({ name, namespace: ns })]) {
      try {
        await del();
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  };
  return { path, cleanup };
}

/**
 * A kubeconfig (written to a new temp dir) with a fresh token of ServiceAccount `namespace/name`
 * of the cluster `adminKubeconfig` points at, for the same server and CA.
 */
export async function serviceAccountKubeconfig(adminKubeconfig: string, namespace: string, name: string, expirationSeconds = 3600): Promise<string> {
  const c = clients(adminKubeconfig);
  const tr = await c.core.createNamespacedServiceAccountToken({ name, namespace, body: { spec: { audiences: [], expirationSeconds } } });
  const cluster = c.kc.getCurrentCluster()!;
  return writeTokenKubeconfig(mkdtempSync(join(tmpdir(), `${name}-`)), "kubeconfig", cluster.server, cluster.caData, tr.status!.token, namespace);
}

/** Namespace of the agent's ServiceAccount on a spoke (as `work-hub join` makes it). */
export const SPOKE_AGENT_NAMESPACE = "work-agent";
const shipped = new Map<string, Promise<string>>();

/**
 * The spoke identity `work-hub join` ships, for an agent given an admin kubeconfig: the join
 * manifests' RBAC applied on that spoke (the agent reads everything, writes only its AppliedWorks,
 * and impersonates the default executor work-agent/work-executor), with the default executor bound
 * to cluster-admin (join --executor-rbac=cluster-admin, the shipped choice that lets a Work write
 * anything, which the tests' Works do: CRDs, Namespaces, ClusterRoles). Every write of a Work's
 * objects is then an impersonated request, as in production. Same server (a proxy in front of the
 * spoke stays in front), one token per spoke and test file.
 */
export function shippedSpokeKubeconfig(adminKubeconfig: string): Promise<string> {
  const kc = new KubeConfig();
  kc.loadFromFile(adminKubeconfig);
  const cluster = kc.getCurrentCluster()!;
  const key = `${cluster.server} ${adminKubeconfig}`;
  let p = shipped.get(key);
  if (!p) {
    p = (async (): Promise<string> => {
      const rbac = joinManifests({ clusterName: "e2e", kubeconfig: "", agentNamespace: SPOKE_AGENT_NAMESPACE, image: "unused", executorRbac: "cluster-admin" }).filter(
        (m) => m.kind !== "Secret" && m.kind !== "Deployment",
      );
      await kubectlOk(adminKubeconfig, ["apply", "--server-side", "--force-conflicts", "--field-manager=e2e-join", "-f", "-"], { input: JSON.stringify({ apiVersion: "v1", kind: "List", items: rbac }) });
      return serviceAccountKubeconfig(adminKubeconfig, SPOKE_AGENT_NAMESPACE, AGENT_SA, 6 * 3600);
    })();
    p.catch(() => shipped.delete(key));
    shipped.set(key, p);
  }
  return p;
}

/**
 * What an operator grants the agent when it points it at another namespace than its own: a Role
 * there with `rules`, bound to the shipped agent ServiceAccount (work-agent/work-agent).
 */
export async function grantSpokeAgent(adminKubeconfig: string, namespace: string, rules: V1PolicyRule[]): Promise<void> {
  const spoke = clients(adminKubeconfig);
  const rbac = spoke.kc.makeApiClient(RbacAuthorizationV1Api);
  await createOrIgnore(() => rbac.createNamespacedRole({ namespace, body: { metadata: { name: "work-agent-extra" }, rules } }));
  await createOrIgnore(() =>
    rbac.createNamespacedRoleBinding({
      namespace,
      body: { metadata: { name: "work-agent-extra" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "work-agent-extra" }, subjects: [{ kind: "ServiceAccount", name: AGENT_SA, namespace: SPOKE_AGENT_NAMESPACE }] },
    }),
  );
}

/** True for a kubeconfig whose user is a static (admin) token, not a ServiceAccount's JWT. */
function isAdminKubeconfig(path: string): boolean {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  const token = kc.getCurrentUser()?.token ?? "";
  return token !== "" && token.split(".").length !== 3;
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

export interface AgentProcess {
  proc: ChildProcess;
  metricsPort: number;
  healthPort: number;
  /** Everything the agent printed so far. */
  output(): string;
  /** Prometheus samples: `name{labels}` -> value. */
  metrics(): Promise<Map<string, number>>;
  /** SIGTERM (default) and wait for exit; resolves to the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface StartAgentOptions {
  hubKubeconfig: string;
  spokeKubeconfig: string;
  clusterName?: string;
  hubNamespace?: string;
  args?: string[];
  env?: Record<string, string>;
  /** Wait for /readyz (default true); false waits only for the "work agent running" log line. */
  readyz?: boolean;
  /**
   * "shipped" (default): an admin spoke kubeconfig is replaced by the identity `work-hub join`
   * ships (see {@link shippedSpokeKubeconfig}), with --default-executor set. "as-given": run with
   * the kubeconfig as it is. A ServiceAccount kubeconfig (a test's own limited identity) is always
   * used as given. E2E_SPOKE_IDENTITY=as-given runs every agent as given.
   */
  spokeIdentity?: "shipped" | "as-given";
  /**
   * Run the agent of a built image instead of this checkout's: its entrypoint inside `rootfs` (a
   * mounted container of the image) with `chroot --userspec=<user>`, the kubeconfigs copied in.
   * The host network is shared, so the local planes answer on 127.0.0.1 as usual.
   */
  image?: { rootfs: string; user: string; entrypoint: string[] };
}

/** Copies a file into a rootfs (readable by anyone there) and returns its path inside it. */
function copyInto(rootfs: string, path: string): string {
  const dir = join(rootfs, "tmp", "e2e-kubeconfigs");
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const inside = join("/tmp/e2e-kubeconfigs", `${randomUUID()}-${basename(path)}`);
  copyFileSync(path, join(rootfs, inside));
  chmodSync(join(rootfs, inside), 0o644);
  return inside;
}

const running = new Set<AgentProcess>();
process.on("exit", () => {
  for (const a of running) a.proc.kill("SIGKILL");
});

/** Starts `work-agent` and waits until /readyz answers 200. */
export async function startAgent(o: StartAgentOptions): Promise<AgentProcess> {
  const metricsPort = await freePort();
  const healthPort = await freePort();
  const asShipped = (o.spokeIdentity ?? process.env.E2E_SPOKE_IDENTITY ?? "shipped") === "shipped" && isAdminKubeconfig(o.spokeKubeconfig);
  const spokeKubeconfig = asShipped ? await shippedSpokeKubeconfig(o.spokeKubeconfig) : o.spokeKubeconfig;
  const executorEnv: Record<string, string> = asShipped ? { WORK_AGENT_DEFAULT_EXECUTOR: `${SPOKE_AGENT_NAMESPACE}/work-executor` } : {};
  const img = o.image;
  const args = [
    ...(img !== undefined ? img.entrypoint.slice(1) : [AGENT_BIN]),
    "--hub-kubeconfig", img !== undefined ? copyInto(img.rootfs, o.hubKubeconfig) : o.hubKubeconfig,
    "--spoke-kubeconfig", img !== undefined ? copyInto(img.rootfs, spokeKubeconfig) : spokeKubeconfig,
    "--metrics-addr", `127.0.0.1:${metricsPort}`,
    "--health-addr", `127.0.0.1:${healthPort}`,
    "--log-level", "debug",
    ...(o.clusterName ? ["--cluster-name", o.clusterName] : []),
    ...(o.hubNamespace ? ["--hub-namespace", o.hubNamespace] : []),
    ...(o.args ?? []),
  ];
  const env = { ...process.env, ...executorEnv, ...o.env };
  const proc =
    img !== undefined
      ? spawn("chroot", [`--userspec=${img.user}`, img.rootfs, img.entrypoint[0]!, ...args], { env: { ...env, HOME: "/tmp" }, stdio: ["ignore", "pipe", "pipe"] })
      : spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  proc.stdout.on("data", (d: Buffer) => (out += d.toString()));
  proc.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
  const agent: AgentProcess = {
    proc,
    metricsPort,
    healthPort,
    output: () => out,
    metrics: async () => parseMetrics(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()),
    stop: async (signal: NodeJS.Signals = "SIGTERM") => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const code = await exited;
      running.delete(agent);
      return code;
    },
  };
  running.add(agent);
  try {
    await waitFor(
      async () => {
        if (proc.exitCode !== null) throw new Error(`work-agent exited with ${proc.exitCode}:\n${out.slice(-4000)}`);
        if (o.readyz === false) return out.includes("work agent running");
        try {
          return (await fetch(`http://127.0.0.1:${healthPort}/readyz`)).status === 200;
        } catch {
          return false;
        }
      },
      { timeoutMs: 30_000, message: "work-agent /readyz" },
    );
  } catch (err) {
    await agent.stop("SIGKILL");
    throw new Error(`work-agent did not become ready: ${(err as Error).message}\n${out.slice(-4000)}`);
  }
  return agent;
}

export function parseMetrics(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const i = line.lastIndexOf(" ");
    m.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return m;
}

/** Sum of every sample of `name` whose labels include all of `labels`. */
export function sumMetric(samples: Map<string, number>, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const [k, v] of samples) {
    const brace = k.indexOf("{");
    const n = brace < 0 ? k : k.slice(0, brace);
    if (n !== name) continue;
    const ls = brace < 0 ? "" : k.slice(brace);
    if (Object.entries(labels).every(([lk, lv]) => ls.includes(`${lk}="${lv}"`))) total += v;
  }
  return total;
}

/**
 * Starts an agent for `cluster` with the kubeconfig the hub controller minted
 * into the Secret work-agent-hub-kubeconfig of the cluster's hub namespace
 * (waits for it), so the agent runs with hub-issued credentials only.
 */
export async function startMintedAgent(hubKubeconfig: string, cluster: string, spokeKubeconfig: string, args: string[] = []): Promise<AgentProcess> {
  const hub = clients(hubKubeconfig);
  const b64 = await waitFor(async () => {
    try {
      return (await hub.core.readNamespacedSecret({ name: AGENT_KUBECONFIG_SECRET, namespace: cluster })).data?.[AGENT_KUBECONFIG_KEY];
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }, { timeoutMs: 60_000, message: `kubeconfig minted for ${cluster}` });
  const path = join(mkdtempSync(join(tmpdir(), "minted-")), "hub.kubeconfig");
  writeFileSync(path, Buffer.from(b64, "base64"), { mode: 0o600 });
  return startAgent({ hubKubeconfig: path, spokeKubeconfig, clusterName: cluster, args: ["--log-format", "text", ...args] });
}
