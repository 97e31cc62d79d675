# Two set-up commands on a fresh machine: `make demo` and `make test`.
# Everything else here is a step they call. Go binaries are cached outside the
# clone (see scripts/build-go-binaries.sh), keyed by release.
SHELL := /bin/bash
.DEFAULT_GOAL := help
NPM_STAMP := node_modules/.install-stamp

.PHONY: help install go-binaries e2e-tools go-binaries-compat build lint typecheck test test-unit test-e2e test-compat test-images images soak demo bench bench-startup clean

help:
	@echo "make demo   - build everything, start hub + 2 spokes, run controller and agents, apply a sample Work"
	@echo "make test   - lint, type check, unit and e2e tests against real local control planes"
	@echo "make build  - npm ci, TypeScript build, Go control-plane binaries (cached)"
	@echo "make bench  - benchmarks; writes bench/results/<date>.json and docs/benchmarks.md"
	@echo "make soak   - the randomized differential agent test and the hostile-manifest fuzz with longer budgets (SOAK_RUNS, SOAK_STEPS, SOAK_FUZZ_CASES)"
	@echo "make images - build the work-agent and work-hub images (podman); make test-images also runs them"
	@echo "make test-compat - the compatibility subset of the e2e suite on the oldest supported Kubernetes (v1.35)"
	@echo "make helm-check - helm lint and helm template of both charts (helm built and cached)"

$(NPM_STAMP): package.json package-lock.json $(wildcard */package.json packages/*/package.json)
	npm ci --no-audit --no-fund
	@touch $@

install: $(NPM_STAMP)

go-binaries:
	@bash scripts/build-go-binaries.sh >/dev/null

# helm (for the chart checks) and Node 24 (for the e2e suite), fetched or built once and cached;
# zsh and fish (completion tests) from Debian's packages when missing.
e2e-tools:
	@bash scripts/build-helm.sh >/dev/null
	@bash scripts/build-node.sh >/dev/null
	@bash scripts/install-test-packages.sh

# The oldest supported Kubernetes minor (packages/localplane/go/kube-compat), cached like the rest.
go-binaries-compat:
	@bash scripts/build-go-binaries.sh --compat >/dev/null

build: install go-binaries
	npx tsx scripts/build-info.ts
	npx tsc -b

lint: install
	npx eslint .

typecheck: install
	npx tsc -p tsconfig.tests.json

test-unit: build
	npx vitest run --project unit

# The e2e suite runs on the Node.js release the images ship (scripts/versions.env).
test-e2e: build e2e-tools
	bash scripts/run-e2e.sh

test: build lint typecheck e2e-tools
	npx vitest run --project unit
	bash scripts/run-e2e.sh

# The compatibility subset of the e2e suite on the oldest supported release:
# hub registration and placement, and the agent's apply, removal, sharing,
# inventory, conditions and workload suites against local planes built from
# go/kube-compat. .ci/run calls it.
COMPAT_E2E := e2e/src/smoke.test.ts e2e/src/hub-registration.test.ts e2e/src/hub-placement.test.ts e2e/src/agent-apply.test.ts e2e/src/agent-removal.test.ts e2e/src/agent-sharing.test.ts e2e/src/agent-inventory.test.ts e2e/src/agent-conditions.test.ts e2e/src/agent-workloads.test.ts
test-compat: build go-binaries-compat
	LOCALPLANE_BIN_DIR="$$(bash scripts/build-go-binaries.sh --compat)" E2E_EXPECT_KUBE_MINOR="$$(awk '$$1 == "k8s.io/kubernetes" { split($$2, v, "."); print v[2]; exit }' packages/localplane/go/kube-compat/go.mod)" bash scripts/run-e2e.sh $(COMPAT_E2E)

# The work-agent and work-hub images (podman, --isolation chroot, on a local
# stand-in for node:24-bookworm-slim; see scripts/build-images.sh).
images: install
	bash scripts/build-images.sh

# Builds the images and runs them from their mounted file systems (chroot as
# the image's user) against the local planes: e2e/src/images.test.ts. .ci/run calls it.
test-images: build
	set -euo pipefail; out="$$(bash scripts/build-images.sh | tail -n1)"; read -r agent hub <<<"$$out"; \
	test -n "$$agent" && test -n "$$hub"; \
	E2E_REQUIRE_IMAGES=1 E2E_AGENT_IMAGE="$$agent" E2E_HUB_IMAGE="$$hub" bash scripts/run-e2e.sh e2e/src/images.test.ts

# Longer randomized runs than `make test` gives them: the differential agent test
# (DIFF_RUNS sequences of up to DIFF_STEPS Work edits; DIFF_SEED=<n> reproduces one)
# and the hostile-manifest fuzz (SOAK_FUZZ_CASES manifests; FUZZ_SEED=<n> reproduces one).
SOAK_RUNS ?= 25
SOAK_STEPS ?= 10
SOAK_FUZZ_CASES ?= 10000
soak: build
	DIFF_RUNS=$(SOAK_RUNS) DIFF_STEPS=$(SOAK_STEPS) FUZZ_CASES=$(SOAK_FUZZ_CASES) bash scripts/run-e2e.sh e2e/src/agent-differential.test.ts e2e/src/agent-fuzz.test.ts

demo: build
	bash scripts/demo.sh

# Work API benchmarks on local planes it starts itself (not part of `make test`):
# writes bench/results/<date>.json and the tables in docs/benchmarks.md. Select
# and scale with BENCH_ONLY=ceiling,throughput,... BENCH_SCALE=0.1 (or BENCH_ARGS="--scale 0.1").
bench: build
	npx tsx bench/run.ts $(BENCH_ARGS)

# Cold/warm start-up of hub + 2 spokes; rewrites its section of docs/benchmarks.md.
bench-startup: build
	npx tsx bench/startup.ts

clean:
	npx tsc -b --clean
	rm -rf .localplane

# The Helm charts (deploy/charts): helm lint --strict and helm template of both, with default and
# ci/ values, and the invalid values of deploy/charts/testdata refused. helm is built from the Go
# module proxy and cached (scripts/build-helm.sh). e2e/src/helm-charts.test.ts does this and more.
.PHONY: helm-check
helm-check:
	@bash scripts/helm-check.sh
