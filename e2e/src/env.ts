/**
 * Helpers for e2e tests against the shared local plane started by
 * global-setup.ts (hub, spoke1, spoke2).
 *
 *   import { hubKubeconfig, spokeKubeconfig, clients, testNamespace, waitFor } from "./env.js";
 *
 *   const ns = testNamespace("work", { on: ["hub", "spoke1"] }); // created in beforeAll, deleted in afterAll
 *   it("...", async () => {
 *     const hub = clients(hubKubeconfig());
 *     await hub.objects.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", namespace: ns } });
 *     const cm = await waitFor(() => getOrUndefined(clients(spokeKubeconfig(1)).objects, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", namespace: ns } }));
 *   });
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  type KubernetesObject,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, inject } from "vitest";
import type { E2EPlane } from "./global-setup.js";

// ---------------------------------------------------------------- the plane

/** The shared plane: its dir and each cluster's kubeconfig path. */
export function e2ePlane(): E2EPlane {
  let plane: E2EPlane | undefined;
  try {
    plane = inject("e2ePlane");
  } catch {
    plane = undefined;
  }
  if (plane === undefined && process.env.E2E_HUB_KUBECONFIG) {
    // Outside vitest's inject (e.g. a child process): the env mirror.
    const kubeconfigs: Record<string, string> = {};
    for (const name of ["hub", "spoke1", "spoke2"]) {
      const v = process.env[`E2E_${name.toUpperCase()}_KUBECONFIG`];
      if (v) kubeconfigs[name] = v;
    }
    plane = { dir: process.env.E2E_PLANE_DIR_IN_USE ?? "", kubeconfigs, mode: "attached" };
  }
  if (plane === undefined) throw new Error("no e2e plane: run e2e tests with `npx vitest run --project e2e` (global-setup.ts starts it)");
  return plane;
}

/** Kubeconfig path of a cluster of the shared plane ("hub", "spoke1", "spoke2"). */
export function kubeconfigOf(cluster: string): string {
  const path = e2ePlane().kubeconfigs[cluster];
  if (!path) {
    throw new Error(`the e2e plane has no cluster "${cluster}"${process.env.E2E_SHARED_PLANE === "0" ? " (E2E_SHARED_PLANE=0)" : ""}`);
  }
  return path;
}

export function hubKubeconfig(): string {
  return kubeconfigOf("hub");
}

export function spokeKubeconfig(n: 1 | 2): string {
  return kubeconfigOf(`spoke${n}`);
}

/** Names of the spokes of the shared plane, which are also their cluster ids. */
export const SPOKES = ["spoke1", "spoke2"] as const;

// ---------------------------------------------------------------- clients

/** A fresh KubeConfig loaded from a kubeconfig file. */
export function kubeConfig(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

export interface Clients {
  kc: KubeConfig;
  /** Generic client for any kind (create/read/patch/delete/list by apiVersion+kind). */
  objects: KubernetesObjectApi;
  core: CoreV1Api;
  apps: AppsV1Api;
  custom: CustomObjectsApi;
}

/** Typed and generic clients for a kubeconfig path (or a KubeConfig). */
export function clients(from: string | KubeConfig): Clients {
  const kc = typeof from === "string" ? kubeConfig(from) : from;
  return {
    kc,
    objects: KubernetesObjectApi.makeApiClient(kc),
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
  };
}

/** HTTP status of a client error (ApiException), if any. */
export function statusCode(err: unknown): number | undefined {
  if (err instanceof ApiException) return err.code;
  const code = (err as { code?: unknown; statusCode?: unknown } | null)?.code ?? (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === "number" ? code : undefined;
}

export function isNotFound(err: unknown): boolean {
  return statusCode(err) === 404;
}

/** Reads an object; undefined when it does not exist (other errors throw). */
export async function getOrUndefined<T extends KubernetesObject>(api: KubernetesObjectApi, ref: KubernetesObject): Promise<T | undefined> {
  try {
    return await api.read<T>(ref as T & { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Server-side apply (forced) with a field manager. */
export async function apply<T extends KubernetesObject>(api: KubernetesObjectApi, obj: T, fieldManager = "e2e"): Promise<T> {
  return api.patch(obj, undefined, undefined, fieldManager, true, PatchStrategy.ServerSideApply);
}

/** Deletes an object, ignoring "not found". */
export async function deleteIfExists(api: KubernetesObjectApi, ref: KubernetesObject, propagationPolicy = "Background"): Promise<void> {
  try {
    await api.delete(ref, undefined, undefined, undefined, undefined, propagationPolicy);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/** The Kubernetes release the local planes are pinned to (packages/localplane/go/kube/go.mod). */
export function pinnedKubeVersion(): string {
  const mod = readFileSync(join(import.meta.dirname, "../../packages/localplane/go/kube/go.mod"), "utf8");
  const v = /k8s\.io\/kubernetes (v\S+)/.exec(mod)?.[1];
  if (!v) throw new Error("cannot read the pinned k8s.io/kubernetes version");
  return v;
}

// ---------------------------------------------------------------- names

/** A DNS-label name: `<prefix>-<random>`, at most 63 characters. */
export function uniqueName(prefix: string): string {
  const clean = prefix.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "") || "t";
  return `${clean.slice(0, 52)}-${randomBytes(4).toString("hex").slice(0, 6)}`;
}

export interface TestNamespaceOptions {
  /** Clusters to create it on: names of the shared plane or kubeconfig paths (default ["hub"]). */
  on?: readonly string[];
  labels?: Record<string, string>;
  /** Keep it after the tests (also: env E2E_KEEP_NAMESPACES=1). */
  keep?: boolean;
}

function resolveKubeconfig(cluster: string): string {
  return cluster.includes("/") ? cluster : kubeconfigOf(cluster);
}

/**
 * A unique namespace for the calling test file or describe block. Returns its
 * name at once; the namespace is created in beforeAll on each cluster of
 * `on` (default the hub) and deleted in afterAll (without waiting for the
 * namespace controller to finish).
 */
export function testNamespace(prefix: string, opts: TestNamespaceOptions = {}): string {
  const name = uniqueName(prefix);
  const targets = opts.on ?? ["hub"];
  beforeAll(async () => {
    for (const t of targets) {
      await clients(resolveKubeconfig(t)).core.createNamespace({
        body: { metadata: { name, labels: { "e2e.work-api/test": "true", ...opts.labels } } },
      });
    }
  });
  afterAll(async () => {
    if (opts.keep || process.env.E2E_KEEP_NAMESPACES === "1") return;
    for (const t of targets) {
      try {
        await clients(resolveKubeconfig(t)).core.deleteNamespace({ name });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  });
  return name;
}

// ---------------------------------------------------------------- waiting

export interface WaitOptions {
  /** Default 30 s. */
  timeoutMs?: number;
  /** Default 250 ms. */
  intervalMs?: number;
  /** What is awaited, for the timeout message. */
  message?: string;
}

export class WaitTimeoutError extends Error {}

function describeValue(v: unknown): string {
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 500 ? s.slice(0, 500) + "..." : s;
  } catch {
    return String(v);
  }
}

/**
 * Polls `fn` until it returns something other than false, null or undefined,
 * and returns that. A throw counts as "not yet" (the last error is reported
 * on timeout), so assertions (`expect`) can be used inside.
 */
export async function waitFor<T>(fn: () => T | Promise<T>, opts: WaitOptions = {}): Promise<Exclude<T, false | null | undefined>> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  let lastValue: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== false && v !== null && v !== undefined) return v as Exclude<T, false | null | undefined>;
      lastValue = v;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const what = opts.message ? `${opts.message}: ` : "";
      const why = lastError !== undefined ? `last error: ${lastError instanceof Error ? lastError.message : describeValue(lastError)}` : `last value: ${describeValue(lastValue)}`;
      throw new WaitTimeoutError(`${what}not satisfied after ${timeoutMs} ms (${why})`, { cause: lastError });
    }
    await sleep(opts.intervalMs ?? 250);
  }
}

/** Polls `fn` until it does not throw; for blocks of `expect` calls. */
export async function eventually(fn: () => unknown, opts: WaitOptions = {}): Promise<void> {
  await waitFor(async () => {
    await fn();
    return true;
  }, opts);
}

// ---------------------------------------------------------------- kubectl

export interface KubectlResult {
  stdout: string;
  stderr: string;
  code: number;
}

/**
 * Runs kubectl (KUBECTL env, default `kubectl` on PATH) against a kubeconfig.
 * Resolves with the exit code instead of throwing; see kubectlOk.
 */
export function kubectl(kubeconfig: string, args: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<KubectlResult> {
  return new Promise((resolvePromise, reject) => {
    const child = execFile(
      process.env.KUBECTL ?? "kubectl",
      ["--kubeconfig", kubeconfig, ...args],
      { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        if (err && typeof err.code === "string") reject(new Error(`cannot run kubectl: ${err.message}`, { cause: err })); // e.g. ENOENT
        else resolvePromise({ stdout, stderr, code });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** kubectl that throws (with stderr) on a non-zero exit; returns stdout. */
export async function kubectlOk(kubeconfig: string, args: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<string> {
  const r = await kubectl(kubeconfig, args, opts);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}
