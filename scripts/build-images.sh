#!/usr/bin/env bash
# Builds the work-agent and work-hub images with podman (`--isolation chroot`,
# the only isolation that works in this sandbox) from the Dockerfile, on the
# local stand-in base (scripts/build-base-image.sh) unless BASE_IMAGE names
# another (users with a registry: BASE_IMAGE=node:24-bookworm-slim, the default
# of the Dockerfile). Installs podman, buildah and debootstrap from Debian's
# packages when they are missing (as root), so a fresh machine needs no hand step.
#
#   bash scripts/build-images.sh     prints "AGENT_IMAGE HUB_IMAGE" (last line)
#
# Env: BASE_IMAGE, IMAGE_TAG (default: the package version), BUILD_CA_BUNDLE
#      (a CA bundle passed as build secret `ca` for npm behind a TLS-intercepting
#      proxy; default /etc/ssl/certs/ca-certificates.crt when it exists).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

missing=()
for tool in podman buildah debootstrap; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "build-images.sh: missing ${missing[*]}; install them (apt-get install -y podman buildah debootstrap)" >&2
    exit 1
  fi
  echo "build-images.sh: installing ${missing[*]} (Debian packages)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q podman buildah debootstrap >/dev/null
fi

base="${BASE_IMAGE:-$(bash scripts/build-base-image.sh | tail -n1)}"
tag="${IMAGE_TAG:-$(node -p 'require("./package.json").version')}"
ca="${BUILD_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
secret=()
if [ -f "$ca" ]; then secret=(--secret "id=ca,src=$ca"); fi
commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"

for target in work-agent work-hub; do
  echo "build-images.sh: building localhost/$target:$tag on $base" >&2
  podman build --isolation chroot --layers "${secret[@]}" \
    --build-arg "BASE_IMAGE=$base" --build-arg "WORK_API_COMMIT=$commit" \
    --target "$target" -t "localhost/$target:$tag" . >&2
done
echo "localhost/work-agent:$tag localhost/work-hub:$tag"
