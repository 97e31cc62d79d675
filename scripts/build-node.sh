#!/usr/bin/env bash
# Fetches the Node.js binary the components ship on (Node 24 LTS) from the npm
# registry (package node-linux-<arch>, the binaries the `node` package installs)
# and caches it outside the clone, keyed by version. A second run is a no-op.
# The toolchain (tsc, eslint, unit tests) stays on the machine's Node; the e2e
# suite and the images run the agent and hub on this one.
#
#   bash scripts/build-node.sh        prints the path of the node binary (last line)
#
# Layout: $cache/node/<version>/bin/node
# Env: WORK_API_CACHE  cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/work-api-ts)
#      NODE_RUNTIME_VERSION  overrides the pinned version (scripts/versions.env)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=versions.env
source "$root/scripts/versions.env"
version="${NODE_RUNTIME_VERSION:-$NODE_VERSION}"
cache="${WORK_API_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/work-api-ts}"
dir="$cache/node/$version"
bin="$dir/bin/node"

if [ -x "$bin" ] && [ "$("$bin" --version)" = "v$version" ]; then
  echo "$bin"
  exit 0
fi

case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64) arch=arm64 ;;
  *) echo "build-node.sh: no Node.js package for $(uname -m)" >&2; exit 1 ;;
esac

tmp="$(mktemp -d "${cache}/.node-XXXXXX" 2>/dev/null || { mkdir -p "$cache" && mktemp -d "${cache}/.node-XXXXXX"; })"
trap 'rm -rf "$tmp"' EXIT
echo "build-node.sh: fetching node-linux-$arch@$version from the npm registry" >&2
(cd "$tmp" && npm pack --silent "node-linux-$arch@$version" >/dev/null)
tar -xzf "$tmp"/node-linux-*.tgz -C "$tmp"
if [ "$("$tmp/package/bin/node" --version)" != "v$version" ]; then
  echo "build-node.sh: node-linux-$arch@$version is not Node v$version" >&2
  exit 1
fi
rm -rf "$dir"
mkdir -p "$(dirname "$dir")"
mv "$tmp/package" "$dir"
echo "$bin"
