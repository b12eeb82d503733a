# resetpw container image: a build stage with the compiler, then a slim runtime with production dependencies only,
# running as the image's unprivileged `node` user (uid 1000). No container engine runs where this is developed:
# `.ci/run` carries out these same steps in clean folders (scripts/container-check.ts) and runs the result.
# Build: docker build -t resetpw .      Run: docker run --env-file .env -v resetpw-data:/app/data resetpw

FROM node:20-bookworm-slim AS build
# better-sqlite3 compiles its native module when no prebuilt binary can be downloaded.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
ENV HOST=0.0.0.0
ENV PORT=3000
ENV HEALTH_PORT=3001
ENV DATABASE_URL=sqlite:/app/data/resetpw.sqlite
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The SQLite store's folder, writable by the bot only (with PostgreSQL it stays empty).
RUN mkdir -p data && chown 1000:1000 data && chmod 700 data
USER node
VOLUME ["/app/data"]
# PORT: Slack's requests in http mode (and health there); HEALTH_PORT: /healthz, /readyz, /metrics in Socket Mode.
EXPOSE 3000 3001
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["node", "dist/cli/bin.js", "ready"]
# npm start's node flags, without npm: signals reach the bot directly, so SIGTERM drains in-flight resets.
CMD ["node", "--max-semi-space-size=4", "--max-old-space-size=128", "dist/index.js"]
