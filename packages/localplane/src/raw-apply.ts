/**
 * Server-side apply of an object exactly as written. client-node's typed
 * serializer drops keys it does not model (such as `x-kubernetes-validations`
 * nested in a CRD schema), so CRDs are sent as raw JSON instead.
 */
import https from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";

export async function rawApply(kc: KubeConfig, path: string, obj: unknown, fieldManager: string): Promise<void> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error("kubeconfig has no current cluster");
  const url = new URL(`${cluster.server.replace(/\/$/, "")}${path}?fieldManager=${encodeURIComponent(fieldManager)}&force=true&fieldValidation=Strict`);
  const opts: https.RequestOptions = { method: "PATCH", headers: {} };
  await kc.applyToHTTPSOptions(opts);
  const body = Buffer.from(JSON.stringify(obj));
  opts.headers = { ...opts.headers, "Content-Type": "application/apply-patch+yaml", "Content-Length": String(body.length), Accept: "application/json" };
  await new Promise<void>((resolve, reject) => {
    const req = https.request(url, opts, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) return resolve();
        let message = Buffer.concat(chunks).toString("utf8");
        try {
          message = (JSON.parse(message) as { message?: string }).message ?? message;
        } catch {
          // not JSON: keep the text
        }
        reject(new Error(`HTTP ${status}: ${message}`));
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}
