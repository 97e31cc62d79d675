/**
 * Errors thrown by the local control plane. Every error is a
 * LocalplaneError, so callers (the CLI in particular) can tell an expected
 * failure, printed as one clear message, from a bug, printed with its stack.
 */
export class LocalplaneError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The etcd / kube binaries are not where we looked. */
export class BinariesNotFoundError extends LocalplaneError {}

/** A process did not start or did not become healthy; the message has its log tail. */
export class ProcessStartError extends LocalplaneError {
  constructor(
    message: string,
    readonly logPath: string | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Installing or waiting for CustomResourceDefinitions failed. */
export class CrdInstallError extends LocalplaneError {}

/** A wait ran out of time. */
export class TimeoutError extends LocalplaneError {}

/** Bad input from the user (CLI flags, cluster names, options). */
export class UsageError extends LocalplaneError {}

/** Short text of any thrown value, for messages. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
