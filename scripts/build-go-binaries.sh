#!/usr/bin/env bash
# Builds the local control plane binaries (kube-apiserver + kube-controller-manager
# multi-call binary, and etcd) from the pinned wrapper modules under
# packages/localplane/go, and caches them outside the clone keyed by release
# and by a hash of the wrapper module. A second run with the same key is a no-op.
#
# Layout under $cache/bin:
#   kube-<version>-<hash>/kube            the multi-call binary
#   etcd-<version>-<hash>/etcd
#   set-kube-<v>-etcd-<v>-<hash>/         symlinks kube, kube-apiserver,
#                                         kube-controller-manager, etcd +
#                                         versions.json (one dir per pair, so
#                                         clones pinned to other releases
#                                         never overwrite each other)
#   current -> set-...                    the set this clone built last (the
#                                         localplane library's default)
#
# Prints the bin directory (the per-version set dir) on stdout (last line).
# Env: WORK_API_CACHE  cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/work-api-ts)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
gosrc="$root/packages/localplane/go"
cache="${WORK_API_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/work-api-ts}"

# Version of a required module in a go.mod, in a require block or a one-line require.
modver() {
  awk -v m="$2" '{ for (i = 1; i < NF; i++) if ($i == m) { print $(i + 1); exit } }' "$1/go.mod"
}
kube_version="$(modver "$gosrc/kube" k8s.io/kubernetes)"
etcd_version="$(modver "$gosrc/etcd" go.etcd.io/etcd/server/v3)"
if [ -z "$kube_version" ] || [ -z "$etcd_version" ]; then
  echo "cannot read the pinned versions from $gosrc/{kube,etcd}/go.mod" >&2
  exit 1
fi

key() { cat "$1/go.mod" "$1/go.sum" "$1/main.go" | sha256sum | cut -c1-10; }
kube_key="$(key "$gosrc/kube")"
etcd_key="$(key "$gosrc/etcd")"
kube_dir="$cache/bin/kube-$kube_version-$kube_key"
etcd_dir="$cache/bin/etcd-$etcd_version-$etcd_key"
set_dir="$cache/bin/set-kube-$kube_version-etcd-$etcd_version-$(printf '%s%s' "$kube_key" "$etcd_key" | sha256sum | cut -c1-8)"

export GOTOOLCHAIN=local GOFLAGS="-buildvcs=false -trimpath"

if [ ! -x "$kube_dir/kube" ]; then
  echo "building kube $kube_version (kube-apiserver + kube-controller-manager); a cold build takes several minutes" >&2
  ver="${kube_version#v}"; major="${ver%%.*}"; rest="${ver#*.}"; minor="${rest%%.*}"
  now="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  ld="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $pkg.gitVersion=$kube_version -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
    ld="$ld -X $pkg.gitTreeState=clean -X $pkg.buildDate=$now -X $pkg.gitCommit=module-proxy-$kube_version"
  done
  tmp="$kube_dir.tmp.$$"; mkdir -p "$tmp"
  (cd "$gosrc/kube" && go build -ldflags "$ld" -o "$tmp/kube" .)
  rm -rf "$kube_dir"; mv "$tmp" "$kube_dir"
fi

if [ ! -x "$etcd_dir/etcd" ]; then
  echo "building etcd $etcd_version" >&2
  tmp="$etcd_dir.tmp.$$"; mkdir -p "$tmp"
  (cd "$gosrc/etcd" && go build -ldflags "-s -w" -o "$tmp/etcd" .)
  rm -rf "$etcd_dir"; mv "$tmp" "$etcd_dir"
fi

# The set dir is written atomically (temp dir + rename) so a concurrent reader
# never sees half of it.
if [ ! -x "$set_dir/etcd" ] || [ ! -x "$set_dir/kube" ] || [ ! -f "$set_dir/versions.json" ]; then
  tmp="$set_dir.tmp.$$"; mkdir -p "$tmp"
  ln -sfn "$kube_dir/kube" "$tmp/kube"
  ln -sfn "$kube_dir/kube" "$tmp/kube-apiserver"
  ln -sfn "$kube_dir/kube" "$tmp/kube-controller-manager"
  ln -sfn "$etcd_dir/etcd" "$tmp/etcd"
  printf '{"kubernetes":"%s","etcd":"%s"}\n' "$kube_version" "$etcd_version" > "$tmp/versions.json"
  rm -rf "$set_dir"; mv "$tmp" "$set_dir"
fi

# `current` used to be a real directory; it is now a symlink to the set.
current="$cache/bin/current"
if [ -d "$current" ] && [ ! -L "$current" ]; then rm -rf "$current"; fi
ln -sfn "$(basename "$set_dir")" "$current.tmp.$$" && mv -T "$current.tmp.$$" "$current"
echo "$set_dir"
