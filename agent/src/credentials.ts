/**
 * The agent's hub credentials, kept fresh. The hub mints the agent's token
 * with a bounded lifetime and rotates it in the Secret
 * `work-agent-hub-kubeconfig` of the agent's hub namespace; the agent may
 * read that one Secret. This module re-reads it periodically, switches the hub clients to the new token, and writes the
 * new kubeconfig back where the agent got its first one: the kubeconfig file
 * when it is writable, and the spoke Secret it was mounted from when
 * `--hub-kubeconfig-secret` names it, so a restarted agent starts with a
 * valid token.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { KubeConfig } from "@kubernetes/client-node";
import { parse as parseYaml } from "yaml";
import { AGENT_KUBECONFIG_KEY, AGENT_KUBECONFIG_SECRET, type KubeObject } from "@work-api/api";
import { ensureError, isForbidden, isNotFound, type KubeClient, type Logger } from "@work-api/runtime";

export const SecretResource = { group: "", version: "v1", resource: "secrets", namespaced: true, kind: "Secret" } as const;

interface Secret extends KubeObject {
  data?: Record<string, string>;
}

export interface HubCredentialsOptions {
  kubeconfigPath: string;
  /** The agent's hub namespace, where the hub keeps the rotated kubeconfig. */
  hubNamespace: string;
  /** Spoke Secret ("namespace/name") the kubeconfig file is mounted from, kept in sync. */
  spokeSecret?: { namespace: string; name: string } | undefined;
  /** How often the hub Secret is read. Default 5 min. */
  intervalMs?: number;
  /** Whether this replica may write the rotated kubeconfig (file and spoke Secret); a leader-election standby only keeps it in memory. Default always. */
  mayPersist?: () => boolean;
  log: Logger;
}

/** The user token of a kubeconfig's current context, if it has one. */
export function tokenOf(kc: KubeConfig): string | undefined {
  return kc.getCurrentUser()?.token || undefined;
}

/**
 * A rotated kubeconfig, checked before anything in it is used. The text is parsed as plain data
 * first (client-node's loader would already read `tokenFile`s and resolve files while loading): it
 * must hold exactly one cluster, one user and one context; the cluster only `server`,
 * `certificate-authority-data` and `tls-server-name`, all equal to the kubeconfig in use; the user
 * only a `token`. Whoever can write the hub Secret must gain nothing in the agent's process: no
 * `exec` or `auth-provider`, no file reads, no other server, CA or TLS name, no proxy, no
 * impersonation, no client certificates. The KubeConfig returned is built from the checked fields
 * alone (and is what gets persisted).
 */
export function parseRotated(text: string, current: KubeConfig): { kc: KubeConfig } | { refused: string } {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    return { refused: `it is not YAML (${ensureError(err).message.split("\n")[0] ?? ""})` };
  }
  const obj = (v: unknown): Record<string, unknown> | undefined => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
  const only = (o: Record<string, unknown>, keys: readonly string[]): string | undefined => Object.keys(o).find((k) => !keys.includes(k));
  const root = obj(doc);
  if (!root) return { refused: "it is not a kubeconfig object" };
  const one = (key: string): Record<string, unknown> | undefined => (Array.isArray(root[key]) && (root[key] as unknown[]).length === 1 ? obj((root[key] as unknown[])[0]) : undefined);
  const [c, u, x] = [one("clusters"), one("users"), one("contexts")];
  if (!c || !u || !x) return { refused: "it must hold exactly one cluster, one user and one context" };
  const cluster = obj(c.cluster);
  const user = obj(u.user);
  const context = obj(x.context);
  if (!cluster || !user || !context || typeof c.name !== "string" || typeof u.name !== "string" || typeof x.name !== "string") return { refused: "it has a malformed cluster, user or context entry" };
  // insecure-skip-tls-verify is allowed only as false (client-node writes it so).
  if (cluster["insecure-skip-tls-verify"] === false) delete cluster["insecure-skip-tls-verify"];
  const extraC = only(cluster, ["server", "certificate-authority-data", "tls-server-name"]);
  if (extraC !== undefined) return { refused: `its cluster sets ${extraC}` };
  const extraU = only(user, ["token"]);
  if (extraU !== undefined) return { refused: `its user sets ${extraU} (only a bearer token is accepted)` };
  if (typeof user.token !== "string" || user.token === "") return { refused: "it has no token" };
  if (context.cluster !== c.name || context.user !== u.name) return { refused: "its context names another cluster or user" };
  const cc = root["current-context"];
  if (cc !== undefined && cc !== x.name) return { refused: "its current-context names no context it holds" };
  const was = current.getCurrentCluster();
  const str = (v: unknown): string => (typeof v === "string" ? v : "");
  const norm = (v: unknown): string => str(v).replace(/\/+$/, "").toLowerCase();
  if (norm(cluster.server) !== norm(was?.server)) return { refused: `it names another server (${str(cluster.server)})` };
  const pem = (b64: unknown): string => (typeof b64 === "string" && b64 !== "" ? Buffer.from(b64, "base64").toString("utf8").trim() : "");
  let currentCa = pem(was?.caData);
  if (currentCa === "" && was?.caFile) {
    try {
      currentCa = readFileSync(was.caFile, "utf8").trim();
    } catch {
      return { refused: "the certificate authority in use cannot be read to compare" };
    }
  }
  if (pem(cluster["certificate-authority-data"]) !== currentCa) return { refused: "it names another certificate authority" };
  if (str(cluster["tls-server-name"]) !== (was?.tlsServerName ?? "")) return { refused: "it names another TLS server name" };
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: c.name, server: str(cluster.server), skipTLSVerify: false, ...(currentCa !== "" ? { caData: Buffer.from(`${currentCa}\n`).toString("base64") } : {}), ...(was?.tlsServerName ? { tlsServerName: was.tlsServerName } : {}) }],
    users: [{ name: u.name, token: user.token }],
    contexts: [{ name: x.name, cluster: c.name, user: u.name, ...(typeof context.namespace === "string" ? { namespace: context.namespace } : {}) }],
    currentContext: x.name,
  });
  return { kc };
}

export class HubCredentials {
  private kc: KubeConfig;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private inflight: Promise<void> | undefined;
  private hub: KubeClient | undefined;
  private spoke: KubeClient | undefined;
  /** Number of times a new token was taken into use. */
  rotations = 0;
  /** Number of rotated kubeconfigs refused (see parseRotated). */
  rejected = 0;

  constructor(private o: HubCredentialsOptions) {
    this.kc = new KubeConfig();
    this.kc.loadFromFile(o.kubeconfigPath);
  }

  /** The hub namespace is known only once the cluster name is. */
  setNamespace(namespace: string): void {
    this.o.hubNamespace = namespace;
  }

  /** The KubeConfig in use now (the hub clients read auth through this). */
  readonly current = (): KubeConfig => this.kc;

  /** Starts periodic refreshes through `hub`; `spoke` writes the spoke Secret when configured. */
  start(hub: KubeClient, spoke: KubeClient): void {
    this.hub = hub;
    this.spoke = spoke;
    this.stopped = false;
    this.schedule(this.o.intervalMs ?? 300_000);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.inflight = this.refresh()
        .then(() => undefined)
        .catch((err: unknown) => this.o.log.warn({ err: ensureError(err) }, "could not refresh hub credentials"))
        .finally(() => {
          this.inflight = undefined;
          this.schedule(this.o.intervalMs ?? 300_000);
        });
    }, ms);
  }

  /** Reads the hub Secret once; switches to its kubeconfig when the token changed. Returns true when it did. */
  async refresh(): Promise<boolean> {
    if (!this.hub) return false;
    let secret: Secret;
    try {
      secret = await this.hub.get<Secret>(SecretResource, AGENT_KUBECONFIG_SECRET, { namespace: this.o.hubNamespace });
    } catch (err) {
      // Credentials not managed by a hub (hand-made kubeconfig): nothing to rotate.
      if (isNotFound(err) || isForbidden(err)) return false;
      throw err;
    }
    const b64 = secret.data?.[AGENT_KUBECONFIG_KEY];
    if (!b64) return false;
    const text = Buffer.from(b64, "base64").toString("utf8");
    const parsed = parseRotated(text, this.kc);
    if ("refused" in parsed) {
      // The token in use is the one in the Secret already (the hub wrote both): nothing new, nothing to refuse.
      return this.refuse(parsed.refused);
    }
    const next = parsed.kc;
    const token = tokenOf(next);
    if (token === tokenOf(this.kc)) return false;
    this.kc = next;
    this.rotations++;
    // What is persisted is the checked kubeconfig, not the text received.
    const checked = next.exportConfig();
    this.o.log.info({ secret: `${this.o.hubNamespace}/${AGENT_KUBECONFIG_SECRET}` }, "hub credentials rotated");
    if (this.o.mayPersist?.() ?? true) {
      this.persistFile(checked);
      await this.persistSpokeSecret(Buffer.from(checked).toString("base64"));
    }
    return true;
  }

  private refuse(why: string): false {
    this.rejected++;
    this.o.log.warn({ secret: `${this.o.hubNamespace}/${AGENT_KUBECONFIG_SECRET}`, why }, "rotated hub kubeconfig refused; keeping the current credentials");
    return false;
  }

  private persistFile(text: string): void {
    try {
      const tmp = `${this.o.kubeconfigPath}.tmp-${process.pid}`;
      writeFileSync(tmp, text, { mode: 0o600 });
      renameSync(tmp, this.o.kubeconfigPath);
    } catch (err) {
      // A read-only mount (a Secret volume): the spoke Secret is the way to persist.
      this.o.log.debug({ path: this.o.kubeconfigPath, err: ensureError(err) }, "kubeconfig file not updated");
    }
  }

  private async persistSpokeSecret(b64: string): Promise<void> {
    const ref = this.o.spokeSecret;
    if (!ref || !this.spoke) return;
    await this.spoke.patch(SecretResource, ref.name, { data: { [AGENT_KUBECONFIG_KEY]: b64 } }, { namespace: ref.namespace, type: "merge" });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.inflight;
  }
}

/** Parses "namespace/name". */
export function parseSecretRef(text: string | undefined): { namespace: string; name: string } | undefined {
  if (!text) return undefined;
  const m = /^([a-z0-9-]+)\/([a-z0-9.-]+)$/.exec(text);
  if (!m) throw new Error(`--hub-kubeconfig-secret must be NAMESPACE/NAME, got "${text}"`);
  return { namespace: m[1]!, name: m[2]! };
}
