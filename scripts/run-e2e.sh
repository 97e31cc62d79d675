#!/usr/bin/env bash
# Runs the e2e suite (vitest project e2e, arguments passed on) on the Node.js
# release the components ship on (scripts/versions.env, fetched and cached by
# scripts/build-node.sh), so the agent and hub processes it starts run on it
# too. The toolchain (tsc, eslint, unit tests) stays on the machine's Node.
# Env: E2E_NODE  another node binary to run the suite on
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=versions.env
source scripts/versions.env
node="${E2E_NODE:-$(bash scripts/build-node.sh)}"
# What the suite checks the agent runs on: the pinned release, unless E2E_NODE picks another.
if [ -n "${E2E_NODE:-}" ]; then E2E_EXPECT_NODE="$("$node" --version)"; else E2E_EXPECT_NODE="v$NODE_VERSION"; fi
export E2E_EXPECT_NODE
exec "$node" node_modules/vitest/vitest.mjs run --project e2e "$@"
