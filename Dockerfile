# syntax=docker/dockerfile:1.7
#
# One image for all five services. The runtime stage contains every app's compiled output; APP picks the one
# that runs, so a single build can be pushed once and started five times (Kubernetes sets APP per Deployment),
# or built per service with --build-arg APP=<app> (docker-compose does that, which also sets the default).
#
#   docker build -t shop-payments:dev .                            # APP must then be given at run time
#   docker build -t shop-payments:order-service --build-arg APP=order-service .
#   docker run --rm -e APP=order-service -e DB_PASSWORD=... -p 3002:3002 shop-payments:dev
#
# Apps and default ports: api-gateway 3000, notification-ingest 3001, order-service 3002,
# payment-gateway 3003, ledger-service 3004.
# For reproducible production builds pin the base images by digest (node:24-bookworm@sha256:...).

# ---------------------------------------------------------------------------------------------------------
# deps: production dependencies only. Its own stage so the layer is cached until package*.json changes,
# independent of source edits.
FROM node:24-bookworm AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --no-audit --no-fund

# ---------------------------------------------------------------------------------------------------------
# build: full install (TypeScript, tsc-alias, ...) and compile to dist/.
FROM node:24-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund
COPY tsconfig.base.json tsconfig.build.json ./
COPY apps ./apps
COPY libs ./libs
COPY scripts/bundle.mjs ./scripts/
RUN npm run build

# ---------------------------------------------------------------------------------------------------------
# ops: what the backup and archive jobs run (npm run backup / restore / archive): the compiled code, scripts/ and
# the PostgreSQL client. Built on request only (the last stage, runtime, stays the default target):
#   docker build --target ops -t shop-payments-ops .
FROM node:24-bookworm-slim AS ops
ENV NODE_ENV=production
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY scripts ./scripts
USER node
CMD ["npm", "run", "backup", "--", "--out", "/backups/latest"]

# ---------------------------------------------------------------------------------------------------------
# runtime: slim image, no compiler, no dev dependencies, no sources.
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
# A young generation of 2 MB semi-spaces instead of up to 16 MB: about 40 MB less resident memory per idle service
# at no measurable cost in throughput (docs/performance.md, "Memory").
ENV NODE_OPTIONS="--max-semi-space-size=2"
# jemalloc instead of glibc's malloc: its background thread returns the pages a busy spell freed within seconds,
# where glibc kept them in its heaps (10-20 MB more per service idle after load; docs/performance.md, "Sixth
# round"). The library is linked to one arch-independent path so the same line works on amd64 and arm64.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libjemalloc2 \
    && rm -rf /var/lib/apt/lists/* \
    && ln -s "$(find /usr/lib -name libjemalloc.so.2 | head -n 1)" /usr/local/lib/libjemalloc.so.2 \
    && test -e /usr/local/lib/libjemalloc.so.2
ENV LD_PRELOAD=/usr/local/lib/libjemalloc.so.2
# Returned after 2 s, directly (not left for the kernel to reclaim), by a background thread even while idle; 2
# arenas (scripts/lib/allocator.mjs says why, and npm start uses the same).
ENV MALLOC_CONF=background_thread:true,dirty_decay_ms:2000,muzzy_decay_ms:0,narenas:2
WORKDIR /app

# Files stay owned by root and are only readable by the `node` user: the process cannot modify its own code
# (and Kubernetes additionally mounts the root filesystem read-only).
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./

# Which service this image starts by default. Optional at build time; empty means "must be set at run time".
ARG APP=""
ENV APP=${APP}
# Fail the build early on a typo instead of at container start.
RUN if [ -n "$APP" ] && [ ! -f "dist/apps/$APP/main.cjs" ]; then \
      echo "unknown APP '$APP': no dist/apps/$APP/main.cjs" >&2; exit 1; \
    fi

# The official image's unprivileged user (uid/gid 1000; Kubernetes sets runAsUser: 1000 to match, because
# runAsNonRoot cannot verify a user given by name).
USER node

# Each app listens on its own default PORT (see above); EXPOSE only documents them.
EXPOSE 3000 3001 3002 3003 3004

# Liveness only, on MANAGEMENT_PORT when set (health is not served on PORT then): readiness depends on PostgreSQL
# and Kafka and is checked by the orchestrator (compose healthcheck / Kubernetes readinessProbe). Slim has no
# curl, so use node's fetch.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "const d={'api-gateway':3000,'notification-ingest':3001,'order-service':3002,'payment-gateway':3003,'ledger-service':3004};const p=process.env.MANAGEMENT_PORT||process.env.PORT||d[process.env.APP];fetch('http://127.0.0.1:'+p+'/health/live',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# SIGTERM reaches the service for its graceful shutdown (SHUTDOWN_TIMEOUT_MS).
STOPSIGNAL SIGTERM
# Shell form only to expand $APP; `exec` replaces the shell so node is PID 1 and receives SIGTERM directly.
CMD exec node "dist/apps/${APP:?set APP to api-gateway, notification-ingest, order-service, payment-gateway or ledger-service}/main.cjs"
