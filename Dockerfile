# syntax=docker/dockerfile:1
# modelwatch: the prediction service and its CLI (`modelwatch serve`, `train`, `setup`, …).
# Used by deploy/compose/ for the service and the one-shot setup container.

# Build: compile TypeScript with the dev dependencies, then drop them.
FROM node:24.22.3-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bench ./bench
COPY scripts/build-console.ts ./scripts/
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# Run: compiled code and production dependencies only, as the image's unprivileged `node` user.
FROM node:24.22.3-bookworm-slim
ENV NODE_ENV=production \
    PORT=5000 \
    MODEL_DIR=/var/lib/modelwatch/models
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
# The volume mount points belong to `node`, so fresh named volumes inherit a writable owner.
RUN mkdir -p /var/lib/modelwatch/models /var/log/modelwatch \
    && chown node:node /var/lib/modelwatch/models /var/log/modelwatch \
    && ln -s /app/bin/modelwatch.js /usr/local/bin/modelwatch
USER node
EXPOSE 5000
# Slim images have no curl: Node's own fetch asks GET /health.
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=5 \
    CMD ["node", "-e", "fetch('http://localhost:' + (process.env.PORT || 5000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# `docker run modelwatch` serves; `docker run modelwatch train --help` runs another command.
ENTRYPOINT ["node", "--enable-source-maps", "bin/modelwatch.js"]
CMD ["serve"]
