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
import { renameSync, writeFileSync } from "node:fs";
import { KubeConfig } from "@kubernetes/client-node";
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
 * Why a rotated kubeconfig may not be taken into use, or undefined when it may: it must be a plain
 * token kubeconfig for the same server and the same CA as the one in use. Nothing in it may run
 * code or fetch credentials inside the agent (no `exec`, no `auth-provider`), point it elsewhere,
 * or turn TLS verification off: whoever can write that Secret must not gain the agent's process.
 */
export function rejectRotated(next: KubeConfig, current: KubeConfig): string | undefined {
  const cluster = next.getCurrentCluster();
  const user = next.getCurrentUser();
  const was = current.getCurrentCluster();
  if (!cluster || !user) return "it has no current context with a cluster and a user";
  const norm = (u: string | undefined): string => (u ?? "").replace(/\/+$/, "").toLowerCase();
  if (norm(cluster.server) !== norm(was?.server)) return `it names another server (${cluster.server})`;
  if ((cluster.caData ?? "") !== (was?.caData ?? "") || (cluster.caFile ?? "") !== (was?.caFile ?? "")) return "it names another certificate authority";
  if (cluster.skipTLSVerify === true && was?.skipTLSVerify !== true) return "it turns TLS verification off";
  if (cluster.proxyUrl !== undefined && cluster.proxyUrl !== was?.proxyUrl) return "it adds a proxy";
  if (user.exec !== undefined) return "it runs an exec credential plugin";
  if (user.authProvider !== undefined) return "it uses an auth-provider";
  if ((user as { impersonateUser?: string }).impersonateUser) return "it impersonates another user";
  if (user.certData || user.certFile || user.keyData || user.keyFile || user.username || user.password) return "it carries credentials other than a bearer token";
  if (!user.token) return "it has no token";
  return undefined;
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
  /** Number of rotated kubeconfigs refused (see rejectRotated). */
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
    const next = new KubeConfig();
    try {
      next.loadFromString(text);
    } catch (err) {
      return this.refuse(`it is not a kubeconfig (${ensureError(err).message})`);
    }
    const token = tokenOf(next);
    if (token !== undefined && token === tokenOf(this.kc)) return false;
    const why = rejectRotated(next, this.kc);
    if (why !== undefined) return this.refuse(why);
    this.kc = next;
    this.rotations++;
    this.o.log.info({ secret: `${this.o.hubNamespace}/${AGENT_KUBECONFIG_SECRET}` }, "hub credentials rotated");
    if (this.o.mayPersist?.() ?? true) {
      this.persistFile(text);
      await this.persistSpokeSecret(b64);
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
