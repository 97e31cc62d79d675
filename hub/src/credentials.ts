/**
 * Agent credentials: for each registered cluster, a kubeconfig in the Secret
 * `work-agent-hub-kubeconfig` of its hub namespace, holding a ServiceAccount
 * token from the TokenRequest API. The token is bound to that Secret (deleting
 * the Secret revokes every token minted into it) and has a bounded lifetime;
 * a new one is minted before it expires (token-schedule.ts), and whenever the
 * hub URL or CA the kubeconfig names changes.
 */
import type { ClusterProfile, KubeObject } from "@work-api/api";
import { isAlreadyExists, isConflict, isNotFound, type Logger } from "@work-api/runtime";
import { buildAgentKubeconfig, parseAgentKubeconfig, type HubEndpoint } from "./kubeconfig.js";
import {
  AGENT_KUBECONFIG_SECRET,
  AGENT_SERVICE_ACCOUNT,
  HUB_URL_ANNOTATION,
  KUBECONFIG_KEY,
  TOKEN_EXPIRATION_ANNOTATION,
  TOKEN_ISSUED_ANNOTATION,
  clusterLabels,
  clusterNamespace,
  namespaceIsFor,
} from "./names.js";
import { Core, systemClock, type Api, type Cache, type Clock, type EventSink, type Result } from "./ports.js";
import { isServed } from "./registration.js";
import { tokenDecision, type TokenPolicy } from "./token-schedule.js";

export interface Secret extends KubeObject {
  type?: string;
  data?: Record<string, string>;
}

export interface CredentialsOptions {
  clusterManager: string;
  hub: HubEndpoint;
  policy: TokenPolicy;
  profiles: Cache<ClusterProfile>;
  namespaces: Cache<KubeObject>;
  serviceAccounts: Cache<KubeObject>;
  secrets: Cache<Secret>;
  api: Api;
  events: EventSink;
  log: Logger;
  clock?: Clock;
  /** Credentials of a cluster whose profile lost the cluster-manager label keep rotating this long (see isServed). Default 5 min. */
  releaseGracePeriodMs?: number;
}

/** Longest single wait between checks (timers beyond ~24 days overflow; hours are plenty). */
const MAX_RECHECK_MS = 6 * 3_600_000;

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");

/** Why the kubeconfig in a Secret must be re-minted regardless of the token's age, if it must. */
export function staleKubeconfig(secret: Secret, hub: HubEndpoint, namespace: string): string | undefined {
  const text = secret.data?.[KUBECONFIG_KEY] ? Buffer.from(secret.data[KUBECONFIG_KEY], "base64").toString("utf8") : undefined;
  const kc = parseAgentKubeconfig(text);
  if (!kc.token) return "no kubeconfig yet";
  if (kc.server !== hub.server) return `hub URL changed to ${hub.server}`;
  if ((kc.caPem ?? "") !== (hub.caPem ?? "")) return "hub CA changed";
  if (kc.namespace !== namespace) return "namespace changed";
  return undefined;
}

export class CredentialsReconciler {
  private readonly clock: Clock;

  constructor(private readonly o: CredentialsOptions) {
    this.clock = o.clock ?? systemClock;
  }

  /** `key` is "namespace/name" of a ClusterProfile. */
  async reconcile(key: string): Promise<Result> {
    const [invNs, name] = key.split("/") as [string, string];
    const profile = this.o.profiles.get(invNs, name);
    // A cluster whose release is pending keeps working credentials until it is released.
    if (!profile || !isServed(profile, this.o.clusterManager, this.o.releaseGracePeriodMs ?? 300_000, this.clock.now())) return {};
    const ns = clusterNamespace(name);
    const namespace = this.o.namespaces.get(undefined, ns);
    // Registration makes the namespace and ServiceAccount; their events bring us back.
    if (!namespace || namespace.metadata?.deletionTimestamp || !namespaceIsFor(namespace, name, invNs)) return {};
    // The namespace's caches are still listing (its access was granted moments ago): look again shortly.
    if (this.o.serviceAccounts.synced?.(ns) === false || this.o.secrets.synced?.(ns) === false) return { requeueAfter: 1_000 };
    if (!this.o.serviceAccounts.get(ns, AGENT_SERVICE_ACCOUNT)) return {};

    let secret = this.o.secrets.get(ns, AGENT_KUBECONFIG_SECRET);
    if (!secret) {
      // Created empty first: the token is bound to the Secret's UID.
      try {
        secret = await this.o.api.create<Secret>(Core.Secret, {
          apiVersion: "v1",
          kind: "Secret",
          metadata: { name: AGENT_KUBECONFIG_SECRET, namespace: ns, labels: clusterLabels(name, invNs) },
          type: "Opaque",
          data: {},
        });
      } catch (err) {
        if (isAlreadyExists(err)) return { requeueAfter: 500 }; // the cache is behind
        throw err;
      }
    }
    if (secret.metadata?.deletionTimestamp) return { requeueAfter: 1_000 };

    const now = this.clock.now();
    const ann = secret.metadata?.annotations ?? {};
    const stale = staleKubeconfig(secret, this.o.hub, ns);
    const decision = tokenDecision({ issued: ann[TOKEN_ISSUED_ANNOTATION], expires: ann[TOKEN_EXPIRATION_ANNOTATION] }, this.o.policy, now);
    if (stale === undefined && !decision.mint) return { requeueAfter: Math.min(decision.recheckInMs, MAX_RECHECK_MS) };
    const why = stale ?? (decision.mint ? decision.why : "");

    const token = await this.o.api.createToken(ns, AGENT_SERVICE_ACCOUNT, {
      expirationSeconds: Math.round(this.o.policy.lifetimeMs / 1000),
      boundObjectRef: { apiVersion: "v1", kind: "Secret", name: AGENT_KUBECONFIG_SECRET, uid: secret.metadata!.uid! },
    });
    const kubeconfig = buildAgentKubeconfig({ server: this.o.hub.server, caPem: this.o.hub.caPem, token: token.token, clusterName: name, namespace: ns });
    const next: Secret = {
      ...secret,
      metadata: {
        ...secret.metadata,
        labels: { ...(secret.metadata?.labels ?? {}), ...clusterLabels(name, invNs) },
        annotations: {
          ...ann,
          [TOKEN_ISSUED_ANNOTATION]: iso(now),
          [TOKEN_EXPIRATION_ANNOTATION]: token.expirationTimestamp,
          [HUB_URL_ANNOTATION]: this.o.hub.server,
        },
      },
      type: secret.type ?? "Opaque",
      data: { ...(secret.data ?? {}), [KUBECONFIG_KEY]: Buffer.from(kubeconfig).toString("base64") },
    };
    try {
      await this.o.api.update(Core.Secret, next);
    } catch (err) {
      // Changed or deleted meanwhile: the token minted here is simply unused (it dies with its Secret or expires).
      if (isConflict(err) || isNotFound(err)) return { requeueAfter: 500 };
      throw err;
    }
    const first = stale === "no kubeconfig yet";
    this.o.events.event(profile, "Normal", first ? "CredentialsIssued" : "CredentialsRotated", `${first ? "Issued" : "Rotated"} the agent's hub kubeconfig in Secret ${ns}/${AGENT_KUBECONFIG_SECRET} (${why}); the token expires at ${token.expirationTimestamp}`);
    this.o.log.info({ cluster: name, why, expires: token.expirationTimestamp }, first ? "Issued agent credentials" : "Rotated agent credentials");
    const again = tokenDecision({ issued: iso(now), expires: token.expirationTimestamp }, this.o.policy, now);
    return { requeueAfter: again.mint ? 1_000 : Math.min(again.recheckInMs, MAX_RECHECK_MS) };
  }
}
