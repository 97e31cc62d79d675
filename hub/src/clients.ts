/**
 * The hub's {@link Api} over the runtime's KubeClient. Every write carries
 * the hub's field manager.
 */
import { isNotFound, type KubeClient } from "@work-api/runtime";
import { FIELD_MANAGER } from "./names.js";
import type { Api, DeleteOptions, Obj, Resource, TokenRequestResult, TokenRequestSpec } from "./ports.js";

export function kubeApi(client: KubeClient): Api {
  const ns = (r: Resource, namespace: string | undefined): { namespace?: string } => (r.namespaced && namespace ? { namespace } : {});
  return {
    async get<T extends Obj>(r: Resource, namespace: string | undefined, name: string): Promise<T | undefined> {
      try {
        return await client.get<T>(r, name, ns(r, namespace));
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    async list<T extends Obj>(r: Resource, namespace: string | undefined, labelSelector?: string): Promise<T[]> {
      const res = await client.listAll<T>(r, { ...ns(r, namespace), ...(labelSelector ? { labelSelector } : {}) });
      return res.items;
    },
    create: <T extends Obj>(r: Resource, obj: T): Promise<T> => client.create<T>(r, obj, { fieldManager: FIELD_MANAGER }),
    update: <T extends Obj>(r: Resource, obj: T): Promise<T> => client.update<T>(r, obj, { fieldManager: FIELD_MANAGER }),
    updateStatus: <T extends Obj>(r: Resource, obj: T): Promise<T> => client.updateStatus<T>(r, obj, { fieldManager: FIELD_MANAGER }),
    async delete(r: Resource, namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<void> {
      try {
        await client.delete(r, name, {
          ...ns(r, namespace),
          ...(opts.propagationPolicy ? { propagationPolicy: opts.propagationPolicy } : {}),
          ...(opts.uid ? { preconditions: { uid: opts.uid } } : {}),
        });
      } catch (err) {
        if (isNotFound(err)) return;
        // A failed uid precondition means the object we meant is gone already.
        if ((err as { statusCode?: number }).statusCode === 409 && opts.uid) return;
        throw err;
      }
    },
    async createToken(namespace: string, serviceAccount: string, spec: TokenRequestSpec): Promise<TokenRequestResult> {
      const res = await client.request<{ status?: { token?: string; expirationTimestamp?: string } }>(
        "POST",
        `/api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts/${encodeURIComponent(serviceAccount)}/token`,
        {
          body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec },
          object: `ServiceAccount/${namespace}/${serviceAccount}`,
        },
      );
      const token = res.status?.token;
      const expirationTimestamp = res.status?.expirationTimestamp;
      if (!token || !expirationTimestamp) throw new Error(`TokenRequest for ${namespace}/${serviceAccount} returned no token`);
      return { token, expirationTimestamp };
    },
  };
}
