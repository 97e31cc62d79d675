#!/usr/bin/env bash
# Builds the local control plane binaries (kube-apiserver + kube-controller-manager
# multi-call binary, and etcd) from the pinned wrapper modules under
# packages/localplane/go, and caches them outside the clone keyed by release
# and by a hash of the wrapper module. A second run with the same key is a no-op.
#
# Prints the bin directory on stdout (last line).
# Env: WORK_API_CACHE  cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/work-api-ts)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
gosrc="$root/packages/localplane/go"
cache="${WORK_API_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/work-api-ts}"

kube_version="$(awk '$1=="k8s.io/kubernetes"{print $2}' "$gosrc/kube/go.mod" | head -1)"
etcd_version="$(awk '$1=="go.etcd.io/etcd/server/v3"{print $2}' "$gosrc/etcd/go.mod" | head -1)"

key() { cat "$1/go.mod" "$1/go.sum" "$1/main.go" | sha256sum | cut -c1-10; }
kube_dir="$cache/bin/kube-$kube_version-$(key "$gosrc/kube")"
etcd_dir="$cache/bin/etcd-$etcd_version-$(key "$gosrc/etcd")"

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
  ln -sf kube "$tmp/kube-apiserver"; ln -sf kube "$tmp/kube-controller-manager"
  rm -rf "$kube_dir"; mv "$tmp" "$kube_dir"
fi

if [ ! -x "$etcd_dir/etcd" ]; then
  echo "building etcd $etcd_version" >&2
  tmp="$etcd_dir.tmp.$$"; mkdir -p "$tmp"
  (cd "$gosrc/etcd" && go build -ldflags "-s -w" -o "$tmp/etcd" .)
  rm -rf "$etcd_dir"; mv "$tmp" "$etcd_dir"
fi

bin="$cache/bin/current"
mkdir -p "$bin"
ln -sfn "$kube_dir/kube" "$bin/kube"
ln -sfn "$kube_dir/kube" "$bin/kube-apiserver"
ln -sfn "$kube_dir/kube" "$bin/kube-controller-manager"
ln -sfn "$etcd_dir/etcd" "$bin/etcd"
printf '{"kubernetes":"%s","etcd":"%s"}\n' "$kube_version" "$etcd_version" > "$bin/versions.json"
echo "$bin"
