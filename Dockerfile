# Parley server image: `docker build -t parley .` then see docs/operations.md.
# The build and start commands are the ones the test suite runs: `pnpm build` (turbo: the web
# demo and apps/server/dist) and `node apps/server/dist/main.js` (production-build.test.ts).

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
# Native modules (better-sqlite3) compile here when no prebuilt binary matches.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
RUN npm install -g pnpm@12.21.0
WORKDIR /app
# Manifests first: the dependency layer is cached until one of them changes.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
COPY apps/server/package.json apps/server/
COPY apps/web-demo/package.json apps/web-demo/
COPY packages/api/package.json packages/api/
COPY packages/db/package.json packages/db/
COPY packages/sdk/package.json packages/sdk/
COPY bench/package.json bench/
RUN pnpm install --frozen-lockfile
COPY . .
RUN pnpm build
# The server's production dependencies only (native ones included), without the workspace.
RUN pnpm --filter @parley/server deploy --prod --legacy /out

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=build /out/node_modules apps/server/node_modules
COPY --from=build /out/package.json apps/server/package.json
COPY --from=build /app/apps/server/dist apps/server/dist
COPY --from=build /app/apps/web-demo/dist apps/web-demo/dist
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
STOPSIGNAL SIGTERM
# Liveness only: readiness (/health/ready) is for the load balancer or orchestrator.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "apps/server/dist/main.js"]
