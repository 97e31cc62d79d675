#!/usr/bin/env bash
# Builds helm from the Go module proxy and caches it outside the clone, keyed by
# version; a second run with the same version is a no-op. Prints the binary's
# path on stdout (last line). Used by `make helm-check` and
# e2e/src/helm-charts.test.ts.
#
#   bash scripts/build-helm.sh      -> $cache/bin/helm-<version>/helm
#
# Env: WORK_API_CACHE  cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/work-api-ts)
set -euo pipefail

# The one place the helm version is pinned.
HELM_MODULE="helm.sh/helm/v3"
HELM_VERSION="v3.22.0"

cache="${WORK_API_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/work-api-ts}"
dir="$cache/bin/helm-$HELM_VERSION"

if [ ! -x "$dir/helm" ]; then
  echo "building helm $HELM_VERSION from the Go module proxy (a cold build takes a few minutes)" >&2
  export GOTOOLCHAIN="${GOTOOLCHAIN:-local}" GOFLAGS="-buildvcs=false -trimpath"
  tmp="$dir.tmp.$$"
  rm -rf "$tmp"; mkdir -p "$tmp"
  trap 'rm -rf "$tmp"' EXIT
  # As helm's own Makefile does: `helm version` reports the pinned release (the source only knows
  # its minor), and `helm template`/`helm lint` assume the Kubernetes minor of the client-go helm is
  # built with (.Capabilities.KubeVersion; the source default is v1.20).
  gomod="$(go mod download -json "$HELM_MODULE@$HELM_VERSION" | awk -F'"' '$2 == "GoMod" { print $4 }')"
  k8s_minor="$(awk '$1 == "k8s.io/client-go" { split($2, v, "."); print v[2]; exit }' "$gomod")"
  if [ -z "$k8s_minor" ]; then echo "cannot read the client-go version of $HELM_MODULE@$HELM_VERSION" >&2; exit 1; fi
  ld="-s -w -X $HELM_MODULE/internal/version.version=$HELM_VERSION"
  for pkg in pkg/chartutil pkg/lint/rules; do
    ld="$ld -X $HELM_MODULE/$pkg.k8sVersionMajor=1 -X $HELM_MODULE/$pkg.k8sVersionMinor=$k8s_minor"
  done
  GOBIN="$tmp" go install -ldflags "$ld" "$HELM_MODULE/cmd/helm@$HELM_VERSION"
  # Atomic: a concurrent build (make helm-check beside the e2e test) that finished first wins.
  if [ ! -x "$dir/helm" ]; then rm -rf "$dir"; mv -T "$tmp" "$dir"; fi
  rm -rf "$tmp"
  trap - EXIT
fi
echo "$dir/helm"
