# portcall server image. Not yet built or run by CI (the machines have no base-image registry);
# the deployment issue adds that. It runs the same bundle as `npm start`: `node dist/bundle/server.mjs`.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm ci needs every workspace the lockfile names (the client generator, a dev tool).
COPY tools/client-generator/package.json ./tools/client-generator/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/bundle.mjs ./scripts/
COPY src ./src
# dist/cli.js for the `portcall` command, dist/bundle for the server.
RUN npm run build && npm run bundle && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    PORTCALL_HOST=0.0.0.0 \
    PORTCALL_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
# Listening on 0.0.0.0 inside the container; publish it on 127.0.0.1 only until authentication exists:
#   docker run -p 127.0.0.1:8080:8080 -v /var/run/docker.sock:/var/run/docker.sock portcall
# Reaching the mounted Docker socket needs its group: add `--group-add $(stat -c %g /var/run/docker.sock)`.
USER node
EXPOSE 8080
CMD ["node", "dist/bundle/server.mjs"]
