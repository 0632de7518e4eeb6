# Homeostat's images, one Dockerfile with a target per image:
#   docker build --target detector   -t homeostat/detector .
#   docker build --target remediator -t homeostat/remediator .
#   docker build --target demo       -t homeostat/demo .
# Multi-stage: TypeScript is compiled in `build` (dev dependencies, compilers for the native
# better-sqlite3 addon); each final image holds only its package's dist/, its production
# node_modules and Node itself, and runs as the unprivileged numeric user 1000 (numeric so that
# Kubernetes' runAsNonRoot can verify it).
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS base
WORKDIR /app
ENV NODE_ENV=production \
    npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false

# Lock file plus every workspace's package.json: `npm ci` checks the lock against all of them, and
# these layers stay cached until a dependency changes.
FROM base AS manifests
# python3/make/g++: better-sqlite3 compiles from source when no prebuilt binary matches
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY contracts/package.json contracts/
COPY testkit/package.json testkit/
COPY detector/package.json detector/
COPY remediator/package.json remediator/
COPY demo/package.json demo/
COPY chaos/package.json chaos/
COPY datasource-plugin/package.json datasource-plugin/
COPY panel-plugin/package.json panel-plugin/
COPY deploy/package.json deploy/

FROM manifests AS build
RUN NODE_ENV=development npm ci --include-workspace-root \
      -w @homeostat/contracts -w @homeostat/detector -w @homeostat/remediator -w @homeostat/demo
COPY tsconfig.base.json ./
COPY contracts/ contracts/
COPY detector/ detector/
COPY remediator/ remediator/
COPY demo/ demo/
RUN npm run build -w @homeostat/contracts -w @homeostat/detector -w @homeostat/remediator -w @homeostat/demo

# Production dependencies of each image's workspace (plus the links npm makes for @homeostat/*).
# The mkdir keeps the COPYs below valid when npm nests nothing inside a workspace folder.
FROM manifests AS detector-deps
RUN npm ci --omit=dev -w @homeostat/detector && mkdir -p contracts/node_modules detector/node_modules \
 && npm cache clean --force
FROM manifests AS remediator-deps
RUN npm ci --omit=dev -w @homeostat/remediator && mkdir -p contracts/node_modules remediator/node_modules \
 && npm cache clean --force
FROM manifests AS demo-deps
RUN npm ci --omit=dev -w @homeostat/demo && mkdir -p contracts/node_modules demo/node_modules \
 && npm cache clean --force

# The runtime layout mirrors the repository, so `node <pkg>/dist/...` paths are the documented ones.
FROM base AS runtime
COPY --from=build /app/package.json ./
COPY --from=build /app/contracts/package.json contracts/
COPY --from=build /app/contracts/dist contracts/dist
# state (models, audit log) lives in a volume; the root filesystem can stay read-only
RUN mkdir -p /var/lib/homeostat && chown 1000:1000 /var/lib/homeostat
VOLUME ["/var/lib/homeostat"]
USER 1000:1000

FROM runtime AS detector
COPY --from=build /app/detector/package.json detector/
COPY --from=build /app/detector/dist detector/dist
COPY --from=detector-deps /app/node_modules node_modules
COPY --from=detector-deps /app/contracts/node_modules contracts/node_modules
COPY --from=detector-deps /app/detector/node_modules detector/node_modules
EXPOSE 8090
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8090/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "detector/dist/cli/main.js"]
CMD ["serve", "--config", "/etc/homeostat/detector.yml"]

FROM runtime AS remediator
COPY --from=build /app/remediator/package.json remediator/
COPY --from=build /app/remediator/dist remediator/dist
COPY --from=remediator-deps /app/node_modules node_modules
COPY --from=remediator-deps /app/contracts/node_modules contracts/node_modules
COPY --from=remediator-deps /app/remediator/node_modules remediator/node_modules
EXPOSE 8091
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8091/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "remediator/dist/cli/main.js"]
CMD ["serve", "--config", "/etc/homeostat/remediator.yml"]

# One image for the gateway and the backends; the command picks which (see docker-compose.yml).
FROM runtime AS demo
COPY --from=build /app/demo/package.json demo/
COPY --from=build /app/demo/dist demo/dist
COPY --from=demo-deps /app/node_modules node_modules
COPY --from=demo-deps /app/contracts/node_modules contracts/node_modules
COPY --from=demo-deps /app/demo/node_modules demo/node_modules
EXPOSE 8080 8101 8102 8103
ENTRYPOINT ["node"]
CMD ["demo/dist/bin/gateway.js", "--port", "8080"]
