/**
 * `kubectl work`: a kubectl plugin (the binary kubectl-work on PATH).
 * Commands: `status NAME -n CLUSTER`, `clusters`, and `join CLUSTER` (the
 * same as `work-hub join`). See plugin/run.ts; `kubectl work --help`.
 */
import { runPlugin } from "./plugin/run.js";

// `kubectl work status x | head` closes the pipe early: stop quietly.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw err;
});

process.exitCode = await runPlugin(process.argv.slice(2), {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  isTTY: process.stdout.isTTY === true,
  columns: process.stdout.columns,
  env: process.env,
});
