# tokengate container image.
#   docker build -t tokengate .
#   docker run -p 8080:8080 -v "$PWD/config/gateway.yaml:/etc/tokengate/gateway.yaml:ro" tokengate
# The configuration is read from /etc/tokengate/gateway.yaml (mount your own there; the image
# carries config/gateway.yaml as a default). The same image runs the walkthrough's ratings app:
#   docker run -p 9080:9080 --entrypoint node tokengate dist/examples/ratings/server.js
# (the development authorization server needs dev dependencies and is not in the image).

# --- build: TypeScript → dist/, with dev dependencies ---------------------------------------
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json tsconfig.examples.json ./
COPY src ./src
COPY examples ./examples
RUN npm run build

# --- runtime: production dependencies only, non-root ------------------------------------------
FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY config ./config
COPY config/gateway.yaml /etc/tokengate/gateway.yaml
USER node
EXPOSE 8080 9901
# The admin listener's /healthz, fetched with Node itself: the slim image has no curl.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.TOKENGATE_ADMIN_PORT || 9901) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# --no-memory-reducer, --single-threaded-gc: see src/v8-tuning.ts (V8 reads them only at startup).
ENTRYPOINT ["node", "--no-memory-reducer", "--single-threaded-gc", "dist/cli.js"]
CMD ["--config", "/etc/tokengate/gateway.yaml"]
