#!/usr/bin/env bash
# Builds a local stand-in for the images' base (node:24-bookworm-slim), which
# cannot be pulled here: Debian bookworm (debootstrap, minbase) plus the Node.js
# binary of scripts/versions.env and npm, both from the npm registry, and a
# `node` user (uid 1000) as in the official image. Imported into podman's image
# store (outside the clone) under a tag keyed by the versions and this script,
# so a second run is a no-op.
#
#   bash scripts/build-base-image.sh     prints the image name (last line)
#
# Needs root, debootstrap and podman (Debian packages). Env: DEBIAN_MIRROR.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=versions.env
source "$root/scripts/versions.env"
suite=bookworm
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
hash="$(cat "$0" "$root/scripts/versions.env" | sha256sum | cut -c1-12)"
image="localhost/work-api-base:node${NODE_VERSION}-${suite}-${hash}"

if podman image exists "$image"; then
  echo "$image"
  exit 0
fi

node_bin="$(bash "$root/scripts/build-node.sh" | tail -n1)"
node_dir="$(dirname "$(dirname "$node_bin")")"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
rootfs="$tmp/rootfs"

echo "build-base-image.sh: debootstrap $suite (minbase) from $mirror" >&2
debootstrap --variant=minbase --include=ca-certificates "$suite" "$rootfs" "$mirror" >"$tmp/debootstrap.log" 2>&1 || {
  tail -n 20 "$tmp/debootstrap.log" >&2
  exit 1
}

echo "build-base-image.sh: adding Node.js v$NODE_VERSION and npm $NPM_VERSION" >&2
install -m 0755 "$node_bin" "$rootfs/usr/local/bin/node"
cp -a "$node_dir/LICENSE" "$rootfs/usr/local/share/node-LICENSE" 2>/dev/null || true
(cd "$tmp" && npm pack --silent "npm@$NPM_VERSION" >/dev/null)
mkdir -p "$rootfs/usr/local/lib/node_modules/npm"
tar -xzf "$tmp"/npm-*.tgz -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"

# The official image's unprivileged user.
echo "node:x:1000:1000::/home/node:/bin/sh" >>"$rootfs/etc/passwd"
echo "node:x:1000:" >>"$rootfs/etc/group"
echo "node:*:19000:0:99999:7:::" >>"$rootfs/etc/shadow"
install -d -o 1000 -g 1000 "$rootfs/home/node"

# Slim, like the -slim images.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
  "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/* "$rootfs"/var/log/*.log

echo "build-base-image.sh: importing $image" >&2
tar -C "$rootfs" --numeric-owner -c . | podman import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=$NODE_VERSION" \
  --change 'CMD ["node"]' \
  - "$image" >/dev/null
echo "$image"
