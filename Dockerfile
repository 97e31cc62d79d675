# Images for real clusters, and a self-contained demo. Not built in CI (no
# Docker engine there); kept correct by review. Targets:
#   docker build --target work-agent -t work-agent:0.1.0 .
#   docker build --target work-hub   -t work-hub:0.1.0 .
#   docker build --target demo       -t work-api-demo .   (used by docker-compose.yml)

# ---- TypeScript build
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json tsconfig.base.json ./
COPY packages/api/package.json packages/api/
COPY packages/runtime/package.json packages/runtime/
COPY packages/localplane/package.json packages/localplane/
COPY packages/apply/package.json packages/apply/
COPY agent/package.json agent/
COPY hub/package.json hub/
COPY e2e/package.json e2e/
RUN npm ci --no-audit --no-fund --ignore-scripts
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
 && rm -rf packages/*/src agent/src hub/src e2e packages/localplane

# ---- shared runtime base: unprivileged, read-only friendly
FROM node:20-bookworm-slim AS runtime
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
 && curl -fsSL https://deb.nodesource.com/setup_20.x | bash - \
 && apt-get install -y --no-install-recommends nodejs \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /work
COPY . .
RUN make build
CMD ["make", "demo"]
