#!/usr/bin/env bash
# `make demo` (after `make build`): starts a hub and two spokes with
# `localplane up`, the hub controller, one agent per spoke with credentials
# the hub minted, applies a sample Work and a sample WorkPlacement, prints
# their status, and stops everything on Ctrl-C.
#
# Structure: each step is a function; `main` calls them in order. Background
# processes are started with `start_bg NAME CMD...` so `cleanup` stops them
# (newest first) before the control planes. Later steps (hub controller,
# spoke agents, a sample Work) slot in between `wait_planes` and `serve`.
#
# Env:
#   DEMO_DIR               plane dir (default <repo>/.localplane, kept between runs)
#   DEMO_CLEAN=1           start from fresh clusters (cold start)
#   DEMO_EXIT_AFTER_READY=1  stop right after everything is up (smoke-testing this script)
#   DEMO_READY_TIMEOUT     seconds to wait for the clusters (default 240)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${DEMO_DIR:-$root/.localplane}"
clusters=(hub spoke1 spoke2)
localplane=(node "$root/packages/localplane/bin/localplane.js")
logs="$dir/demo-logs"

up_pid=""
bg_pids=()
bg_names=()

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- helpers

# start_bg NAME CMD... : run CMD in the background, output in $logs/NAME.log.
start_bg() {
  local name="$1"; shift
  "$@" >"$logs/$name.log" 2>&1 &
  bg_pids+=("$!")
  bg_names+=("$name")
  echo "   $name started (pid $!, log $logs/$name.log)"
}

kubeconfig() { echo "$dir/$1/kubeconfig"; }

cleanup() {
  local code=$?
  trap - EXIT INT TERM
  echo
  local i
  for ((i = ${#bg_pids[@]} - 1; i >= 0; i--)); do
    if kill -0 "${bg_pids[$i]}" 2>/dev/null; then
      say "stopping ${bg_names[$i]}"
      kill -TERM "${bg_pids[$i]}" 2>/dev/null || true
      wait "${bg_pids[$i]}" 2>/dev/null || true
    fi
  done
  if [ -n "$up_pid" ] && kill -0 "$up_pid" 2>/dev/null; then
    say "stopping the control planes"
    kill -TERM "$up_pid" 2>/dev/null || true
    wait "$up_pid" 2>/dev/null || true
  fi
  # Anything the pid files still list (e.g. `up` was killed hard).
  "${localplane[@]}" down --dir "$dir" >/dev/null 2>&1 || true
  say "stopped"
  exit "$code"
}

# ---------------------------------------------------------------- steps

check_build() {
  [ -f "$root/packages/localplane/dist/cli.js" ] || die "packages/localplane is not built: run \`make build\` first"
  command -v kubectl >/dev/null || echo "   (kubectl not found on PATH: the hints below need it)"
}

start_planes() {
  say "starting control planes: ${clusters[*]} (dir $dir)"
  mkdir -p "$dir" "$logs"
  local clean=()
  [ "${DEMO_CLEAN:-0}" = 1 ] && clean=(--clean)
  "${localplane[@]}" up "${clusters[@]}" --dir "$dir" "${clean[@]}" >"$logs/localplane-up.log" 2>&1 &
  up_pid=$!
}

# Waits until `localplane up` reports every cluster ready (kubeconfigs are
# written only then).
wait_planes() {
  local timeout="${DEMO_READY_TIMEOUT:-240}" waited=0
  until grep -q "cluster(s) ready" "$logs/localplane-up.log" 2>/dev/null; do
    if ! kill -0 "$up_pid" 2>/dev/null; then
      tail -n 40 "$logs/localplane-up.log" >&2 || true
      die "localplane up exited; see $logs/localplane-up.log and $dir/<cluster>/logs/"
    fi
    if [ "$waited" -ge $((timeout * 5)) ]; then
      tail -n 40 "$logs/localplane-up.log" >&2 || true
      die "clusters not ready after ${timeout}s"
    fi
    sleep 0.2
    waited=$((waited + 1))
  done
  local c
  for c in "${clusters[@]}"; do
    [ -f "$(kubeconfig "$c")" ] || die "missing kubeconfig $(kubeconfig "$c")"
  done
  grep "ready in" "$logs/localplane-up.log" | sed 's/^localplane: /   /'
}

print_access() {
  say "clusters"
  local c
  for c in "${clusters[@]}"; do
    printf '   %-7s kubectl --kubeconfig %s get ns\n' "$c" "$(kubeconfig "$c")"
  done
  echo "   or: export KUBECONFIG=$(kubeconfig hub)"
  echo "   logs: $logs/ and $dir/<cluster>/logs/"
}

hubk() { kubectl --kubeconfig "$(kubeconfig hub)" "$@"; }

# The hub controller: registration, credentials, health, placement.
start_hub() {
  say "starting the hub controller (work-hub)"
  start_bg work-hub node "$root/hub/bin/work-hub.js" --kubeconfig "$(kubeconfig hub)" \
    --leader-elect=false --health-addr 0 --metrics-addr 0 --log-format text --lease-duration 20s
}

register_spokes() {
  say "registering spoke1 and spoke2 (ClusterProfiles in fleet-system)"
  hubk apply -f "$root/examples/clusterprofiles.yaml" | sed 's/^/   /'
}

# One agent per spoke, with the credentials the hub minted (never the hub admin).
start_agents() {
  local c creds
  for c in spoke1 spoke2; do
    creds="$dir/demo-$c-hub.kubeconfig"
    node "$root/hub/bin/work-hub.js" join "$c" --kubeconfig "$(kubeconfig hub)" --print kubeconfig --wait 90s >"$creds" \
      || die "the hub did not mint credentials for $c; see $logs/work-hub.log"
    chmod 600 "$creds"
    say "starting the agent of $c (work-agent, hub credentials minted by work-hub: $creds)"
    # The cluster name comes from the spoke's ClusterProperty cluster.clusterset.k8s.io.
    start_bg "agent-$c" node "$root/agent/bin/work-agent.js" --hub-kubeconfig "$creds" \
      --spoke-kubeconfig "$(kubeconfig "$c")" --health-addr 0 --metrics-addr 0 --log-format text --lease-duration 20s
  done
}

apply_samples() {
  say "applying the sample Work (spoke1/sample) and the sample WorkPlacement (fleet-system/web)"
  hubk apply -f "$root/examples/sample-work.yaml" | sed 's/^/   /'
  hubk apply -f "$root/examples/workplacement.yaml" | sed 's/^/   /'
  say "waiting for them to be Applied and Available"
  hubk wait --for=condition=Applied work/sample -n spoke1 --timeout=120s | sed 's/^/   /'
  hubk wait --for=condition=Available work/sample -n spoke1 --timeout=120s | sed 's/^/   /'
  local c
  for c in spoke1 spoke2; do
    until hubk get work/web -n "$c" >/dev/null 2>&1; do sleep 0.5; done
    hubk wait --for=condition=Available work/web -n "$c" --timeout=120s | sed 's/^/   /'
  done
  hubk wait --for=condition=Joined clusterprofile/spoke1 clusterprofile/spoke2 -n fleet-system --timeout=60s | sed 's/^/   /'
}

show_status() {
  local plugin=(node "$root/hub/bin/kubectl-work.js")
  say "kubectl get works -A"
  hubk get works -A
  say "kubectl work clusters"
  "${plugin[@]}" clusters --kubeconfig "$(kubeconfig hub)"
  say "kubectl work status sample -n spoke1"
  "${plugin[@]}" status sample -n spoke1 --kubeconfig "$(kubeconfig hub)"
  say "kubectl get workplacements -n fleet-system"
  hubk get workplacements -n fleet-system -o wide
  say "on spoke1: the objects the Works applied (pods on kwok's fake nodes)"
  kubectl --kubeconfig "$(kubeconfig spoke1)" get configmap,deployment,service -n demo
  kubectl --kubeconfig "$(kubeconfig spoke1)" get pods -n demo -o wide
  say "on spoke1 and spoke2: the WorkPlacement's Deployment (3/3 each)"
  kubectl --kubeconfig "$(kubeconfig spoke1)" get deployment -n web
  kubectl --kubeconfig "$(kubeconfig spoke2)" get deployment -n web
  echo
  echo "   try: export PATH=\"$root/node_modules/.bin:\$PATH\"; kubectl work status web -n spoke2 --kubeconfig $(kubeconfig hub)"
}

# Keeps running until Ctrl-C or until the control planes stop by themselves.
serve() {
  if [ "${DEMO_EXIT_AFTER_READY:-0}" = 1 ]; then
    say "DEMO_EXIT_AFTER_READY=1: stopping"
    return 0
  fi
  say "running; press Ctrl-C to stop"
  # `wait` returns when a trapped signal arrives, so the trap runs promptly.
  wait "$up_pid" || true
  die "localplane up exited unexpectedly; see $logs/localplane-up.log"
}

main() {
  trap cleanup EXIT
  # Ctrl-C / SIGTERM are the normal way to end the demo: exit 0 via cleanup.
  trap 'exit 0' INT TERM
  check_build
  start_planes
  wait_planes
  print_access
  start_hub
  register_spokes
  start_agents
  apply_samples
  show_status
  serve
}

main "$@"
