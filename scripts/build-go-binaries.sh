#!/usr/bin/env bash
# Builds the local control plane binaries from the pinned wrapper modules under
# packages/localplane/go: the multi-call binary (kube-apiserver,
# kube-controller-manager, kube-scheduler), etcd and kwok (fake nodes), and
# caches them outside the clone keyed by release and by a hash of the wrapper
# module. A second run with the same key is a no-op.
#
#   bash scripts/build-go-binaries.sh            the current release (go/kube); points `current` at it
#   bash scripts/build-go-binaries.sh --compat   the oldest supported release (go/kube-compat), for the
#                                                compatibility subset of the e2e suite; `current` is left alone
#
# Layout under $cache/bin:
#   kube-<version>-<hash>/kube            the multi-call binary
#   etcd-<version>-<hash>/etcd
#   kwok-<version>-<hash>/kwok
#   set-kube-<v>-etcd-<v>-<hash>/         symlinks kube, kube-apiserver, kube-controller-manager,
#                                         kube-scheduler, etcd, kwok + versions.json (one dir per
#                                         set, so clones pinned to other releases never overwrite
#                                         each other)
#   current -> set-...                    the set this clone built last (the localplane library's default)
#
# Prints the bin directory (the set dir) on stdout (last line).
# Env: WORK_API_CACHE  cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/work-api-ts)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
gosrc="$root/packages/localplane/go"
cache="${WORK_API_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/work-api-ts}"
kube_mod="$gosrc/kube"
point_current=1
if [ "${1:-}" = "--compat" ]; then kube_mod="$gosrc/kube-compat"; point_current=0; fi

# Version of a required module in a go.mod, in a require block or a one-line require.
modver() {
  awk -v m="$2" '{ for (i = 1; i < NF; i++) if ($i == m) { print $(i + 1); exit } }' "$1/go.mod"
}
kube_version="$(modver "$kube_mod" k8s.io/kubernetes)"
etcd_version="$(modver "$gosrc/etcd" go.etcd.io/etcd/server/v3)"
kwok_version="$(modver "$gosrc/kwok" sigs.k8s.io/kwok)"
if [ -z "$kube_version" ] || [ -z "$etcd_version" ] || [ -z "$kwok_version" ]; then
  echo "cannot read the pinned versions from $kube_mod, $gosrc/etcd and $gosrc/kwok (go.mod)" >&2
  exit 1
fi

key() { cat "$1"/go.mod "$1"/go.sum "$1"/*.go | sha256sum | cut -c1-10; }
# go/kube-compat pins another release of the same program: it holds only go.mod and go.sum, and is
# built from a temporary copy with go/kube/main.go beside them.
kube_key="$(cat "$kube_mod/go.mod" "$kube_mod/go.sum" "$gosrc/kube/main.go" | sha256sum | cut -c1-10)"
etcd_key="$(key "$gosrc/etcd")"
kwok_key="$(key "$gosrc/kwok")"
kube_dir="$cache/bin/kube-$kube_version-$kube_key"
etcd_dir="$cache/bin/etcd-$etcd_version-$etcd_key"
kwok_dir="$cache/bin/kwok-$kwok_version-$kwok_key"
set_dir="$cache/bin/set-kube-$kube_version-etcd-$etcd_version-kwok-$kwok_version-$(printf '%s%s%s' "$kube_key" "$etcd_key" "$kwok_key" | sha256sum | cut -c1-8)"

# The module's own `go` line decides the toolchain; GOTOOLCHAIN stays local (the machine's Go) unless set.
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}" GOFLAGS="-buildvcs=false -trimpath"

if [ ! -x "$kube_dir/kube" ]; then
  echo "building kube $kube_version (kube-apiserver + kube-controller-manager + kube-scheduler); a cold build takes several minutes" >&2
  ver="${kube_version#v}"; major="${ver%%.*}"; rest="${ver#*.}"; minor="${rest%%.*}"
  now="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  ld="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $pkg.gitVersion=$kube_version -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
    ld="$ld -X $pkg.gitTreeState=clean -X $pkg.buildDate=$now -X $pkg.gitCommit=module-proxy-$kube_version"
  done
  tmp="$kube_dir.tmp.$$"; mkdir -p "$tmp"
  src="$kube_mod"
  if [ ! -f "$kube_mod/main.go" ]; then
    src="$tmp/src"; mkdir -p "$src"
    cp "$kube_mod/go.mod" "$kube_mod/go.sum" "$gosrc/kube/main.go" "$src/"
  fi
  (cd "$src" && go build -ldflags "$ld" -o "$tmp/kube" .)
  rm -rf "$tmp/src" "$kube_dir"; mv "$tmp" "$kube_dir"
fi

if [ ! -x "$etcd_dir/etcd" ]; then
  echo "building etcd $etcd_version" >&2
  tmp="$etcd_dir.tmp.$$"; mkdir -p "$tmp"
  (cd "$gosrc/etcd" && go build -ldflags "-s -w" -o "$tmp/etcd" .)
  rm -rf "$etcd_dir"; mv "$tmp" "$etcd_dir"
fi

if [ ! -x "$kwok_dir/kwok" ]; then
  echo "building kwok $kwok_version" >&2
  tmp="$kwok_dir.tmp.$$"; mkdir -p "$tmp"
  (cd "$gosrc/kwok" && go build -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$kwok_version" -o "$tmp/kwok" sigs.k8s.io/kwok/cmd/kwok)
  rm -rf "$kwok_dir"; mv "$tmp" "$kwok_dir"
fi

# The set dir is written atomically (temp dir + rename) so a concurrent reader
# never sees half of it.
if [ ! -x "$set_dir/etcd" ] || [ ! -x "$set_dir/kube" ] || [ ! -x "$set_dir/kwok" ] || [ ! -f "$set_dir/versions.json" ]; then
  tmp="$set_dir.tmp.$$"; mkdir -p "$tmp"
  for name in kube kube-apiserver kube-controller-manager kube-scheduler; do ln -sfn "$kube_dir/kube" "$tmp/$name"; done
  ln -sfn "$etcd_dir/etcd" "$tmp/etcd"
  ln -sfn "$kwok_dir/kwok" "$tmp/kwok"
  printf '{"kubernetes":"%s","etcd":"%s","kwok":"%s"}\n' "$kube_version" "$etcd_version" "$kwok_version" > "$tmp/versions.json"
  rm -rf "$set_dir"; mv "$tmp" "$set_dir"
fi

if [ "$point_current" = 1 ]; then
  # `current` used to be a real directory; it is now a symlink to the set.
  current="$cache/bin/current"
  if [ -d "$current" ] && [ ! -L "$current" ]; then rm -rf "$current"; fi
  ln -sfn "$(basename "$set_dir")" "$current.tmp.$$" && mv -T "$current.tmp.$$" "$current"
fi
echo "$set_dir"
