/**
 * Whether an API server (the hub, the spoke) answers. A request that gets no
 * answer (connection refused or reset, a timeout, a 502/503/504: see
 * `isNoAnswer`) marks it unreachable and starts a probe (GET /version every
 * second, 2 s timeout). The first answer marks it reachable again and calls
 * `onRecovered`: the agent then reconciles every Work at once, forgetting
 * their backoff, so statuses and drift catch up within seconds of the
 * server's return instead of after the backoff their failures piled up.
 *
 * While the hub is away the agent goes on applying to the spoke from its
 * cache (and reverting drift); nothing is deleted for a hub that does not
 * answer. While the spoke is away, Work statuses are left as they are for the
 * spoke outage grace period (a restart of its API server flips nothing).
 */
import { isNoAnswer, sleep, type Logger } from "@work-api/runtime";

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
  private downSince: number | undefined;
  private readonly ac = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(private readonly o: ReachabilityOptions) {}

  reachable(): boolean {
    return this.downSince === undefined;
  }

  /** How long the server has not answered (0 while it does). */
  unreachableForMs(now = Date.now()): number {
    return this.downSince === undefined ? 0 : now - this.downSince;
  }

  /** Reports a failed request; starts probing when it says the server did not answer. */
  failed(err: unknown): void {
    if (!isNoAnswer(err) || this.downSince !== undefined || this.ac.signal.aborted) return;
    this.downSince = Date.now();
    this.o.onChange?.(false);
    this.o.log.warn({ server: this.o.name, err }, "API server does not answer; probing until it does");
    this.loop = this.probeUntilBack();
  }

  async stop(): Promise<void> {
    this.ac.abort(new Error("hub monitor stopped"));
    await this.loop;
  }

  private async probeUntilBack(): Promise<void> {
    const started = Date.now();
    const signal = this.ac.signal;
    while (!signal.aborted) {
      await sleep(this.o.intervalMs ?? 1_000, signal, true);
      if (signal.aborted) return;
      try {
        await this.o.probe(signal);
      } catch {
        continue;
      }
      this.downSince = undefined;
      this.o.onChange?.(true);
      this.o.log.info({ server: this.o.name, unreachableMs: Date.now() - started }, "API server answers again; reconciling every Work");
      this.o.onRecovered();
      return;
    }
  }
}
