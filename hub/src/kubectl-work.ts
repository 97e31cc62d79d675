/**
 * `kubectl work`: a kubectl plugin (the binary kubectl-work on PATH).
 * Commands: `status NAME -n CLUSTER [-w]`, `get [-n CLUSTER | -A]`,
 * `clusters`, `join CLUSTER` (the same as `work-hub join`), `completion
 * SHELL` and `version`. See plugin/run.ts; `kubectl work --help`.
 */
import { runPlugin } from "./plugin/run.js";

// `kubectl work status x | head` closes the pipe early: stop quietly.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw err;
});

let interrupted: AbortController | undefined;

/**
 * For the commands that run until Ctrl-C (`status -w`): the first SIGINT or SIGTERM aborts the
 * signal (the command ends and exits 0); a second one exits at once. Other commands never ask,
 * so Ctrl-C kills them as usual.
 */
function interrupt(): AbortSignal {
  if (interrupted === undefined) {
    const ac = (interrupted = new AbortController());
    const onSignal = (sig: NodeJS.Signals): void => {
      if (ac.signal.aborted) process.exit(130);
      ac.abort(new Error(`received ${sig}`));
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  }
  return interrupted.signal;
}

process.exitCode = await runPlugin(process.argv.slice(2), {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  isTTY: process.stdout.isTTY === true,
  columns: process.stdout.columns,
  env: process.env,
  interrupt,
});
