/**
 * `work-hub`: runs the hub controller, or with `join CLUSTER` prints the
 * spoke-side bootstrap of a cluster's agent. Exit codes: 0 done, 1 failure
 * (including a lost leader Lease), 2 usage error.
 */
import { UsageError, ensureError, parseFlags, renderHelp, setupSignalHandler, versionLine } from "@work-api/runtime";
import { HUB_DESCRIPTION, HUB_FLAGS, HUB_USAGE, toHubConfig } from "./config.js";
import { cliLogger, startHub } from "./hub.js";
import { runJoin } from "./join-command.js";
import { BUILD } from "./build.js";

/** This package's version and the commit it was built from. */
const build = BUILD;

const io = { out: (t: string): boolean => process.stdout.write(t), err: (t: string): boolean => process.stderr.write(t) };

async function runController(argv: readonly string[]): Promise<number> {
  const { values, positionals, help, version } = parseFlags(HUB_FLAGS, argv, process.env, { version: true });
  if (help) {
    io.out(renderHelp(HUB_USAGE, HUB_DESCRIPTION, HUB_FLAGS, { version: versionLine("work-hub", build) }) + "\n");
    return 0;
  }
  if (version) {
    io.out(versionLine("work-hub", build) + "\n");
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unknown command "${positionals[0]}" (commands: join)`);
  const config = toHubConfig(values);
  const log = cliLogger(config);
  const hub = await startHub({ ...config, logger: log });
  log.info({ version: build.version, commit: build.commit, hubUrl: hub.hub.server, leaderElect: config.leaderElect, healthPort: hub.healthPort, metricsPort: hub.metricsPort }, "work-hub started");
  const signals = setupSignalHandler({ logger: log });
  signals.signal.addEventListener("abort", () => void hub.stop(), { once: true });
  try {
    await hub.done;
    log.info("work-hub stopped");
    return 0;
  } catch (err) {
    log.error({ err: ensureError(err) }, "work-hub failed");
    await hub.stop();
    return 1;
  } finally {
    signals.dispose();
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    if (argv[0] === "join") return await runJoin(argv.slice(1), io);
    return await runController(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`work-hub: ${err.message}\nRun \`work-hub --help\` for usage.\n`);
      return 2;
    }
    io.err(`work-hub: ${ensureError(err).message}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
