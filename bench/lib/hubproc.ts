/**
 * The hub controller (`work-hub`) as a separate process, so its RSS and CPU
 * can be read from /proc like the agent's.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "./agents.js";
import { NotRunError, sleep } from "./log.js";
import { freePort, sampleProc, spawnManaged, type ManagedProc, type ProcSample } from "./procs.js";

export const HUB_BIN = join(REPO, "hub/bin/work-hub.js");

export interface HubProcess {
  proc: ManagedProc;
  args: string[];
  metricsPort: number;
  sample(): ProcSample;
  stop(): Promise<void>;
}

export interface HubOptions {
  kubeconfig: string;
  inventoryNamespace: string;
  logDir: string;
  name: string;
  concurrency?: number;
  extraArgs?: string[];
}

/** Why the hub controller cannot run here, if it cannot. */
export function hubUnavailable(): string | undefined {
  if (!existsSync(HUB_BIN)) return `${HUB_BIN} does not exist`;
  if (!existsSync(join(REPO, "hub/dist/cli.js"))) return "hub/dist/cli.js does not exist (run `make build`)";
  return undefined;
}

export async function startHubProcess(o: HubOptions): Promise<HubProcess> {
  const why = hubUnavailable();
  if (why) throw new NotRunError(`work-hub is not available: ${why}`);
  const metricsPort = await freePort();
  const healthPort = await freePort();
  const args = [
    HUB_BIN,
    "--kubeconfig", o.kubeconfig,
    "--inventory-namespace", o.inventoryNamespace,
    "--metrics-addr", `127.0.0.1:${metricsPort}`,
    "--health-addr", `127.0.0.1:${healthPort}`,
    ...(o.concurrency !== undefined ? ["--concurrency", String(o.concurrency)] : []),
    ...(o.extraArgs ?? []),
  ];
  const proc = spawnManaged(`hub ${o.name}`, process.execPath, args, join(o.logDir, `hub-${o.name}.log`));
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (!proc.alive()) throw new NotRunError(`work-hub exited at start (${String(await proc.exited)}): ${proc.tail(1500)}`);
    try {
      if ((await fetch(`http://127.0.0.1:${healthPort}/readyz`, { signal: AbortSignal.timeout(5_000) })).status === 200) break;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) {
      await proc.stop(5_000);
      throw new NotRunError(`work-hub did not become ready in 90 s: ${proc.tail(1500)}`);
    }
    await sleep(250);
  }
  return {
    proc,
    args: args.slice(1),
    metricsPort,
    sample: () => sampleProc(proc.pid),
    stop: () => proc.stop(35_000),
  };
}
