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
  /** One request to the server (without retries, with a short timeout); resolves when it answered. */
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
  /** Bumped by every check and recovery: a probe or loop of an earlier one acts on nothing. */
  private epoch = 0;
  private downSince: number | undefined;
  private recoveredAt = 0;
  private readonly ac = new AbortController();
  private readonly loops = new Set<Promise<void>>();

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
    const epoch = ++this.epoch;
    const loop = this.check(err, epoch).catch((e: unknown) => this.o.log.error({ server: this.o.name, err: e }, "reachability probe failed"));
    this.loops.add(loop);
    void loop.finally(() => this.loops.delete(loop));
  }

  /** Any answer of the server to another request: it is reachable. */
  answered(): void {
    if (this.state === "down" && !this.ac.signal.aborted) this.recover();
  }

  async stop(): Promise<void> {
    this.ac.abort(new Error("reachability monitor stopped"));
    await Promise.all([...this.loops]);
  }

  private async check(first: unknown, epoch: number): Promise<void> {
    const current = (): boolean => epoch === this.epoch && !this.ac.signal.aborted;
    const answered = await this.probeOnce();
    if (!current() || this.state !== "checking") return;
    if (answered) {
      this.state = "up";
      return;
    }
    this.state = "down";
    this.downSince = Date.now();
    this.o.onChange?.(false);
    this.o.log.warn({ server: this.o.name, err: first }, "API server does not answer; probing until it does");
    while (current() && this.state === "down") {
      await sleep(this.o.intervalMs ?? 1_000, this.ac.signal, true);
      if (!current() || this.state !== "down") return;
      if ((await this.probeOnce()) && current()) this.recover();
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
    this.epoch++;
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
