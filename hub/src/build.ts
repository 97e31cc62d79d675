/**
 * This package's version and the git commit it was built from (dist/build-info.json, stamped by
 * scripts/build-info.ts), for `--version`, the User-Agent of its requests and `join`'s default
 * agent image.
 */
import { readBuildInfo, type BuildInfo } from "@work-api/runtime";

export const BUILD: BuildInfo = readBuildInfo(new URL("../", import.meta.url));

/** The User-Agent of the hub's requests: `work-hub/<version>`. */
export const HUB_USER_AGENT = `work-hub/${BUILD.version}`;
