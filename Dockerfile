# resetpw container image: a build stage with the compiler, then a slim runtime with production dependencies only,
# running as the image's unprivileged `node` user (uid 1000). `.ci/run` carries out these same steps without a
# container engine (scripts/container-check.ts) and runs the result; the README says what a real engine showed.
# Build: docker build -t resetpw .
# Run:   docker run -d --env-file .env -v resetpw-data:/app/data resetpw
# CLI:   docker run --rm --env-file .env -v resetpw-data:/app/data resetpw resetpw doctor

FROM node:20-bookworm-slim AS build
# better-sqlite3 compiles its native module when no prebuilt binary can be downloaded.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# npm can exit 0 after an install it did not finish ("Exit handler never called!"): `npm ls` fails on anything
# missing, so the build stops here, saying so, rather than one step later with "tsc: not found".
RUN npm ci --no-audit --no-fund && { npm ls --all >/dev/null 2>&1 || { echo 'npm ci did not install everything package-lock.json lists (npm ls --all names what is missing): check that the build can reach the npm registry' >&2; exit 1; }; }
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# `resetpw` on the PATH: a link to the compiled CLI in a folder of its own (bin/), for `docker run IMAGE resetpw …`.
RUN npm run build && npm prune --omit=dev --no-audit --no-fund && npm ls --omit=dev --all >/dev/null && mkdir bin && ln -s ../dist/cli/bin.js bin/resetpw

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
ENV PATH=/app/bin:$PATH
ENV HOST=0.0.0.0
ENV PORT=3000
ENV HEALTH_PORT=3001
ENV DATABASE_URL=sqlite:/app/data/resetpw.sqlite
# Docker's default stop grace: the bot finishes resets under way within it (docker run --stop-timeout N with
# -e STOP_TIMEOUT_SECONDS=N gives more).
ENV STOP_TIMEOUT_SECONDS=10
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
# The SQLite store's folder, writable by the bot only (with PostgreSQL it stays empty). A bind mount replaces it:
# the host folder must then belong to uid 1000 (chown -R 1000:1000 <folder>), or the start says so.
RUN mkdir -p data && chown 1000:1000 data && chmod 700 data
USER node
VOLUME ["/app/data"]
# PORT: Slack's requests in http mode (and health there); HEALTH_PORT: /healthz, /readyz, /metrics in Socket Mode.
EXPOSE 3000 3001
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["resetpw", "ready"]
# npm start's node flags, without npm: signals reach the bot directly, so SIGTERM drains in-flight resets.
CMD ["node", "--max-semi-space-size=4", "--max-old-space-size=128", "dist/index.js"]
