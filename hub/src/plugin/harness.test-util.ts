/** Running the plugin in-process against a FakeApiServer, for the command tests. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NOW } from "./fixtures.test-util.js";
import { runPlugin, type PluginDeps } from "./run.js";

export const tmp = mkdtempSync(join(tmpdir(), "kubectl-work-test-"));

/** A kubeconfig for `server` with contexts "hub" (namespace `namespace`, if any) and "elsewhere" (namespace spoke2). */
export function kubeconfigFor(server: string, namespace?: string): string {
  const path = join(tmp, `kc-${Math.random().toString(36).slice(2)}`);
  writeFileSync(
    path,
    [
      "apiVersion: v1",
      "kind: Config",
      "current-context: hub",
      "clusters:",
      `- name: hub\n  cluster:\n    server: ${server}\n    insecure-skip-tls-verify: true`,
      "users:",
      "- name: admin\n  user:\n    token: secret",
      "contexts:",
      `- name: hub\n  context:\n    cluster: hub\n    user: admin${namespace ? `\n    namespace: ${namespace}` : ""}`,
      `- name: elsewhere\n  context:\n    cluster: hub\n    user: admin\n    namespace: spoke2`,
    ].join("\n") + "\n",
  );
  return path;
}

export interface Running {
  /** Everything printed so far. */
  out(): string;
  err(): string;
  /** The exit code, once it returns. */
  done: Promise<number>;
  /** Ctrl-C. */
  interrupt(): void;
}

/** Starts `kubectl work ARGV...` in-process; `interrupt()` aborts what `io.interrupt` hands out. */
export function start(argv: string[], o: { env?: NodeJS.ProcessEnv; tty?: boolean; deps?: PluginDeps; now?: () => number } = {}): Running {
  let out = "";
  let err = "";
  const ac = new AbortController();
  const done = runPlugin(
    argv,
    {
      out: (t) => void (out += t),
      err: (t) => void (err += t),
      isTTY: o.tty ?? false,
      columns: 100,
      env: o.env ?? {},
      now: o.now ?? (() => NOW),
      interrupt: () => ac.signal,
    },
    { clientOptions: { maxRetries: 0, timeoutMs: 5_000 }, reconnectBackoff: { initialMs: 5, maxMs: 20 }, ...o.deps },
  );
  return { out: () => out, err: () => err, done, interrupt: () => ac.abort() };
}

/** Runs `kubectl work ARGV...` to the end. */
export async function run(argv: string[], o: Parameters<typeof start>[1] = {}): Promise<{ code: number; out: string; err: string }> {
  const r = start(argv, o);
  const code = await r.done;
  return { code, out: r.out(), err: r.err() };
}
