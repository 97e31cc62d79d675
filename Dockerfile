# Images for real clusters, and a self-contained demo. Targets:
#   docker build --target work-agent -t work-agent:0.1.0 .
#   docker build --target work-hub   -t work-hub:0.1.0 .
#   docker build --target demo       -t work-api-demo .   (used by docker-compose.yml)
# `make images` builds work-agent and work-hub with podman (--isolation chroot)
# on a local stand-in base (scripts/build-base-image.sh), and `make test-images`
# runs them; the demo target is kept correct by review only.

# The Node.js base: Node 24 LTS. BASE_IMAGE must provide node and npm.
ARG BASE_IMAGE=node:24-bookworm-slim

# ---- TypeScript build
FROM ${BASE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json tsconfig.base.json ./
COPY packages/api/package.json packages/api/
COPY packages/runtime/package.json packages/runtime/
COPY packages/localplane/package.json packages/localplane/
COPY packages/apply/package.json packages/apply/
COPY agent/package.json agent/
COPY hub/package.json hub/
COPY e2e/package.json e2e/
# Behind a TLS-intercepting proxy, pass its CA bundle as the build secret `ca`
# (`--secret id=ca,src=/etc/ssl/certs/ca-certificates.crt`); without it, the public CAs.
RUN --mount=type=secret,id=ca \
    if [ -f /run/secrets/ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca; fi; \
    npm ci --no-audit --no-fund --ignore-scripts
COPY packages packages
COPY agent agent
COPY hub hub
COPY e2e e2e
COPY crds crds
# The commit `--version` prints (the context has no .git): --build-arg WORK_API_COMMIT=$(git rev-parse --short HEAD); else "unknown".
ARG WORK_API_COMMIT=
COPY scripts/build-info.ts scripts/
RUN npx tsx scripts/build-info.ts
RUN npx tsc -b packages/api packages/runtime packages/apply agent hub

# ---- production dependencies only
FROM build AS prod
RUN npm prune --omit=dev --no-audit --no-fund \
 && rm -rf packages/*/src agent/src hub/src e2e packages/localplane \
      node_modules/@work-api/e2e node_modules/@work-api/localplane node_modules/.bin/localplane \
 && find node_modules -depth -type d -empty -delete

# ---- shared runtime base: unprivileged, read-only friendly
FROM ${BASE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=prod /src/package.json /app/package.json
COPY --from=prod /src/node_modules /app/node_modules
COPY --from=prod /src/packages /app/packages
COPY --from=prod /src/agent /app/agent
COPY --from=prod /src/hub /app/hub
COPY --from=prod /src/crds /app/crds
USER 65532:65532

FROM runtime AS work-agent
ENTRYPOINT ["node", "/app/agent/bin/work-agent.js"]

FROM runtime AS work-hub
ENTRYPOINT ["node", "/app/hub/bin/work-hub.js"]

# ---- demo: Go-built control plane + everything, runs `make demo`
FROM golang:1.26-bookworm AS demo
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl make \
 && curl -fsSL https://deb.nodesource.com/setup_24.x | bash - \
 && apt-get install -y --no-install-recommends nodejs \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /work
COPY . .
RUN make build
CMD ["make", "demo"]
