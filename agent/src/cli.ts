/**
 * `work-agent`: the spoke agent's entry point. Flags are documented in
 * config.ts (`work-agent --help`). Exit codes: 0 after a clean stop on
 * SIGTERM/SIGINT, 2 on a usage error, 1 on any other failure to start.
 */
import { UsageError, createLogger, ensureError, parseFlags, renderHelp, versionLine, type LogLevel } from "@work-api/runtime";
import { runAgent } from "./agent.js";
import { AGENT_DESCRIPTION, AGENT_FLAGS, AGENT_USAGE, toConfig } from "./config.js";
import { BUILD } from "./build.js";

/** This package's version and the commit it was built from. */
const build = BUILD;

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseFlags(AGENT_FLAGS, process.argv.slice(2), process.env, { version: true });
  } catch (err) {
    process.stderr.write(`work-agent: ${ensureError(err).message}\nRun 'work-agent --help' for the flags.\n`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(renderHelp(AGENT_USAGE, AGENT_DESCRIPTION, AGENT_FLAGS, { version: versionLine("work-agent", build) }) + "\n");
    return 0;
  }
  if (parsed.version) {
    process.stdout.write(versionLine("work-agent", build) + "\n");
    return 0;
  }
  if (parsed.positionals.length > 0) {
    process.stderr.write(`work-agent: unexpected argument ${JSON.stringify(parsed.positionals[0])}\n`);
    return 2;
  }
  let cfg: ReturnType<typeof toConfig>;
  try {
    cfg = toConfig(parsed.values);
  } catch (err) {
    process.stderr.write(`work-agent: ${ensureError(err).message}\n`);
    return 2;
  }
  const log = createLogger({ level: cfg.logLevel as LogLevel, name: "work-agent", pretty: cfg.logFormat === "text" });
  log.info({ version: build.version, commit: build.commit, node: process.version }, "work-agent starting");
  const ac = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      log.warn({ signal: sig }, "second signal, exiting now");
      process.exit(1);
    }
    log.info({ signal: sig }, "shutting down");
    ac.abort(new Error(`received ${sig}`));
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  process.on("unhandledRejection", (reason) => log.error({ err: ensureError(reason) }, "unhandled rejection"));
  try {
    const agent = await runAgent(cfg, log, ac.signal);
    await agent.done;
    return 0;
  } catch (err) {
    const e = ensureError(err);
    if (e instanceof UsageError) {
      process.stderr.write(`work-agent: ${e.message}\n`);
      return 2;
    }
    log.error({ err: e }, "work agent failed");
    // Another replica may act already: exit now rather than wait for in-flight work.
    if (e.name === "LeaseLostError") process.exit(1);
    return 1;
  }
}

process.exitCode = await main();
