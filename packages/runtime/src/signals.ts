/**
 * Graceful shutdown on SIGTERM/SIGINT: the first signal aborts the returned
 * AbortSignal so components stop cleanly; a second one exits at once.
 */
import { noopLogger, type Logger } from "./logger.js";

/** Options of {@link setupSignalHandler}. */
export interface SignalHandlerOptions {
  /** Signals to handle. Default SIGTERM and SIGINT. */
  signals?: NodeJS.Signals[];
  logger?: Logger;
  /** Called on the second signal. Default `process.exit(1)`. */
  forceExit?: (code: number) => void;
  /** The process to listen on (tests pass an EventEmitter). Default `process`. */
  target?: Pick<NodeJS.Process, "on" | "off">;
}

/** The handler's signal, and a way to remove its listeners. */
export interface SignalHandler {
  signal: AbortSignal;
  dispose(): void;
}

/** Installs the handlers. */
export function setupSignalHandler(opts: SignalHandlerOptions = {}): SignalHandler {
  const log = opts.logger ?? noopLogger;
  const target = opts.target ?? process;
  const signals = opts.signals ?? ["SIGTERM", "SIGINT"];
  const forceExit = opts.forceExit ?? ((code: number): void => process.exit(code));
  const ac = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => {
    if (!ac.signal.aborted) {
      log.info({ signal: sig }, "Shutdown signal received, stopping (again to force)");
      ac.abort(new Error(`received ${sig}`));
      return;
    }
    log.warn({ signal: sig }, "Second shutdown signal, exiting now");
    forceExit(1);
  };
  for (const s of signals) target.on(s, onSignal);
  return {
    signal: ac.signal,
    dispose: () => {
      for (const s of signals) target.off(s, onSignal);
    },
  };
}
