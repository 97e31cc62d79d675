/**
 * This package's version and the git commit it was built from (dist/build-info.json, stamped by
 * scripts/build-info.ts), for `--version`, the start-up line, the User-Agent and work_agent_info.
 */
import { readBuildInfo, type BuildInfo } from "@work-api/runtime";

export const BUILD: BuildInfo = readBuildInfo(new URL("../", import.meta.url));

/** The User-Agent of the agent's requests: `work-agent/<version>`. */
export const AGENT_USER_AGENT = `work-agent/${BUILD.version}`;
