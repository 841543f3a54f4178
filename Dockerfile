# DB-Forge gateway. The build stage compiles the native sqlite3 addon and the TypeScript;
# the runtime stage carries only production dependencies and the compiled app, as a non-root user.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps ./apps
COPY libs ./libs
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
# HOST=0.0.0.0 (every interface of the container) needs DBFORGE_ADMIN_KEY, or DBFORGE_OPEN=true for
# keyless access: `docker run -e DBFORGE_ADMIN_KEY=<secret> ...`. Without either the gateway refuses to start.
ENV NODE_ENV=production \
    PORT=8000 \
    HOST=0.0.0.0 \
    DBFORGE_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8000
VOLUME ["/data"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 8000) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
CMD ["node", "dist/apps/db-gateway/src/main.js"]
