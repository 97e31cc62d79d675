/** Progress lines on stderr, stamped with seconds since the run started. */
const t0 = performance.now();

export function log(message: string): void {
  process.stderr.write(`[bench ${((performance.now() - t0) / 1000).toFixed(1).padStart(7)}s] ${message}\n`);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Milliseconds on a monotonic clock. */
export const now = (): number => performance.now();

/** Raised by a benchmark that cannot run here (the result records the reason). */
export class NotRunError extends Error {
  override readonly name = "NotRunError";
}

/** Resolves with `p`, or with `onTimeout()` after `ms` (the timer is cleared either way). */
export async function orTimeout<T, U>(p: Promise<T>, ms: number, onTimeout: () => U): Promise<T | U> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<U>((resolve, reject) => {
    timer = setTimeout(() => {
      try {
        resolve(onTimeout());
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    }, ms);
  });
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}
