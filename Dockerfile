# portcall server image: the production bundle (`npm start` runs the same), the packages it leaves to Node,
# a non-root user and the data folder as a volume. Built and run by test/deploy/image.test.ts.
#   docker build -t portcall .
#   docker build --build-arg NODE_IMAGE=node:22-bookworm-slim -t portcall .
# Plain Dockerfile syntax (no RUN --mount): it builds with BuildKit and with the classic builder alike.
ARG NODE_IMAGE=node:20-bookworm-slim
# The build stage's base; the same Node unless told otherwise (the test gives it one with an npm cache).
ARG BUILD_IMAGE=${NODE_IMAGE}

FROM ${BUILD_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm ci needs every workspace the lockfile names (the client generator, a dev tool).
COPY tools/client-generator/package.json ./tools/client-generator/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/bundle.mjs scripts/bundle-externals.mjs scripts/image-modules.mjs ./scripts/
COPY src ./src
# `npm run build` is the type check a broken change fails here; the image runs the bundle, and image-modules.mjs
# picks the packages it leaves to Node (better-sqlite3, ssh2, swagger-ui-dist and theirs).
RUN npm run build && npm run bundle && node scripts/image-modules.mjs /runtime

FROM ${NODE_IMAGE}
# PORTCALL_SHUTDOWN_GRACE_MS below docker stop's 10 s: the drain ends, and the store is closed, before the KILL.
ENV NODE_ENV=production \
    PORTCALL_HOST=0.0.0.0 \
    PORTCALL_PORT=8080 \
    PORTCALL_DATA_DIR=/data \
    PORTCALL_SHUTDOWN_GRACE_MS=8000
WORKDIR /app
COPY --from=build /runtime ./
# The volume starts as a copy of this folder, so it must already belong to the user that writes it.
RUN mkdir -p /data && chown node:node /data \
    && chmod +x dist/bundle/cli.mjs && ln -s /app/dist/bundle/cli.mjs /usr/local/bin/portcall
VOLUME ["/data"]
USER node
EXPOSE 8080
# No curl in a slim image; Node's own fetch. /healthz needs no token.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORTCALL_PORT}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form, so node is PID 1 and gets docker stop's SIGTERM itself; it drains and exits 0 on its own handler.
# No init process is needed: portcall starts no child processes that could be left as zombies.
CMD ["node", "dist/bundle/server.mjs"]
