/**
 * Whether an API server (the hub, the spoke) answers. A request that gets no
 * answer (connection refused or reset, a timeout, a 502/503/504: see
 * `isNoAnswer`) is checked at once with a probe (GET /version, 2 s timeout):
 * only when the probe gets no answer either is the server unreachable (one
 * reset connection is not an outage). While unreachable it is probed every
 * second; the first answer to a probe, or to any other request of the same
 * client (`answered`), makes it reachable again and calls `onRecovered`. Any
 * HTTP answer counts, a 401 or 403 too: the server is there.
 *
 * The agent uses it to hold hub writes back while the hub does not answer
 * (they fail at once instead of each waiting for a timeout) and, on the
 * server's return, to reconcile at once the Works held back meanwhile,
 * forgetting their backoff, so statuses and the spoke catch up within
 * seconds. Nothing is deleted for a server that does not answer.
 */
import { isAbortError, isNoAnswer, sleep, type Logger } from "@work-api/runtime";

/** Options of {@link ReachabilityMonitor}. */
export interface ReachabilityOptions {
  /** Name in logs: "hub" or "spoke". */
  name: string;
  /** One request to the server; resolves when it answered. */
  probe: (signal: AbortSignal) => Promise<void>;
  /** Called once each time the server answers again after being unreachable. */
  onRecovered: () => void;
  /** Called on every change (for the `work_agent_{hub,spoke}_reachable` gauges). */
  onChange?: (reachable: boolean) => void;
  /** Delay between probes while unreachable. Default 1 s. */
  intervalMs?: number;
  log: Logger;
}

export class ReachabilityMonitor {
  private state: "up" | "checking" | "down" = "up";
  private downSince: number | undefined;
  private recoveredAt = 0;
  private readonly ac = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(private readonly o: ReachabilityOptions) {}

  reachable(): boolean {
    return this.state !== "down";
  }

  /** How long the server has not answered (0 while it does). */
  unreachableForMs(now = Date.now()): number {
    return this.downSince === undefined ? 0 : now - this.downSince;
  }

  /** How long ago the server answered again after its last outage (Infinity: never down). */
  sinceRecoveryMs(now = Date.now()): number {
    return this.recoveredAt === 0 ? Number.POSITIVE_INFINITY : now - this.recoveredAt;
  }

  /** Reports a failed request; checks the server when it says it did not answer. */
  failed(err: unknown): void {
    if (!isNoAnswer(err) || this.state !== "up" || this.ac.signal.aborted) return;
    this.state = "checking";
    this.loop = this.check(err).catch((e: unknown) => this.o.log.error({ server: this.o.name, err: e }, "reachability probe failed"));
  }

  /** Any answer of the server to another request: it is reachable. */
  answered(): void {
    if (this.state === "down") this.recover();
  }

  async stop(): Promise<void> {
    this.ac.abort(new Error("reachability monitor stopped"));
    await this.loop;
  }

  private async check(first: unknown): Promise<void> {
    if (await this.probeOnce()) {
      if (this.state === "checking") this.state = "up";
      return;
    }
    if (this.state !== "checking") return;
    this.state = "down";
    this.downSince = Date.now();
    this.o.onChange?.(false);
    this.o.log.warn({ server: this.o.name, err: first }, "API server does not answer; probing until it does");
    const signal = this.ac.signal;
    while (!signal.aborted && this.state === "down") {
      await sleep(this.o.intervalMs ?? 1_000, signal, true);
      if (signal.aborted || this.state !== "down") return;
      if (await this.probeOnce()) this.recover();
    }
  }

  /** True when the server answered the probe (any HTTP status counts). */
  private async probeOnce(): Promise<boolean> {
    try {
      await this.o.probe(this.ac.signal);
      return true;
    } catch (err) {
      return !isNoAnswer(err) && !isAbortError(err) && !this.ac.signal.aborted;
    }
  }

  private recover(): void {
    if (this.state !== "down") return;
    const downMs = this.unreachableForMs();
    this.state = "up";
    this.downSince = undefined;
    this.recoveredAt = Date.now();
    this.o.onChange?.(true);
    this.o.log.info({ server: this.o.name, unreachableMs: downMs }, "API server answers again; reconciling the Works held back");
    try {
      this.o.onRecovered();
    } catch (err) {
      this.o.log.error({ server: this.o.name, err }, "catching up after the outage failed");
    }
  }
}
