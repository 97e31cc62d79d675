/**
 * `kubectl work` (a kubectl plugin: the binary kubectl-work on PATH).
 * Commands: `join CLUSTER`, the same as `work-hub join`.
 */
import { UsageError, ensureError } from "@work-api/runtime";
import { runJoin } from "./join-command.js";

const io = { out: (t: string): boolean => process.stdout.write(t), err: (t: string): boolean => process.stderr.write(t) };
const USAGE = "kubectl work join CLUSTER [flags]";

async function main(argv: readonly string[]): Promise<number> {
  try {
    const [cmd, ...rest] = argv;
    if (cmd === "join") return await runJoin(rest, io, `${USAGE} | kubectl --context <spoke> apply -f -`);
    if (cmd === undefined || cmd === "--help" || cmd === "-h" || cmd === "help") {
      io.out(`Usage: ${USAGE}\n\nCommands:\n  join CLUSTER   print the spoke-side bootstrap of CLUSTER's work-agent (see \`kubectl work join --help\`)\n`);
      return cmd === undefined ? 2 : 0;
    }
    throw new UsageError(`unknown command "${cmd}" (commands: join)`);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`kubectl work: ${err.message}\n`);
      return 2;
    }
    io.err(`kubectl work: ${ensureError(err).message}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
