#!/usr/bin/env bash
# `make helm-check`: helm lint --strict and helm template of both charts (deploy/charts) with their
# default values and with ci/custom-values.yaml, and the values files of deploy/charts/testdata,
# each of which must fail to render. helm comes from scripts/build-helm.sh (built once, cached).
# e2e/src/helm-charts.test.ts does the same and more (drift against deploy/hub and join, and
# kubectl apply --dry-run=server on the local planes).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
helm="$(bash "$root/scripts/build-helm.sh")"
charts="$root/deploy/charts"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
failed=0

for chart in work-hub work-agent; do
  for values in "" "$charts/$chart/ci/custom-values.yaml"; do
    args=(); label="default values"
    if [ -n "$values" ]; then args=(-f "$values"); label="${values#"$root"/}"; fi
    if "$helm" lint --strict "$charts/$chart" "${args[@]}" >"$out/lint" 2>&1; then
      echo "ok   helm lint --strict $chart ($label)"
    else
      echo "FAIL helm lint --strict $chart ($label)"; cat "$out/lint"; failed=1
    fi
    if "$helm" template rel "$charts/$chart" --namespace helm-check "${args[@]}" >"$out/rendered" 2>"$out/err"; then
      echo "ok   helm template $chart ($label): $(grep -c '^kind: ' "$out/rendered") objects"
    else
      echo "FAIL helm template $chart ($label)"; cat "$out/err"; failed=1
    fi
  done
done

# Each testdata file names its chart (work-hub-*, work-agent-*) and must be refused with the message
# its "# expect: REGEX" line gives (grep -E), so a failure for another reason does not pass.
for values in "$charts"/testdata/*.yaml; do
  name="$(basename "$values")"
  chart="work-agent"; case "$name" in work-hub-*) chart="work-hub" ;; esac
  expect="$(sed -n 's/^# expect: //p' "$values")"
  if [ -z "$expect" ]; then echo "FAIL testdata/$name has no '# expect: REGEX' line"; failed=1; continue; fi
  if "$helm" template rel "$charts/$chart" -f "$values" >/dev/null 2>"$out/err"; then
    echo "FAIL helm template $chart -f testdata/$name rendered; it must fail"; failed=1
  elif ! grep -Eq -- "$expect" "$out/err"; then
    echo "FAIL helm template $chart -f testdata/$name failed, but not with /$expect/:"; cat "$out/err"; failed=1
  else
    echo "ok   helm template $chart -f testdata/$name fails: $(grep -E -- "$expect" "$out/err" | head -1 | sed 's/^[ -]*//')"
  fi
done

if [ "$failed" != 0 ]; then echo "helm-check: failed" >&2; exit 1; fi
echo "helm-check: both charts lint and render; every testdata values file is refused"
