# One image for every payhook service and the CLI; the command picks which one runs:
#   node services/dispatcher/src/main.ts | services/scanner/… | services/confirmation-filter/…
# Node 24 LTS runs the TypeScript sources directly (type stripping); only the web console is built.
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY patches patches
COPY packages packages
COPY services services
# No optional packages (the local chain's anvil binary is one: the services talk to real RPC
# endpoints), no install scripts of the packages (they would download). The root's postinstall
# is run by name: patch-package applies patches/ (kafkajs's fixes; the schema registry client
# loading JSON Schema and Protobuf support only when used). It is a dev package, so the dev
# packages come in for that step and are pruned right after.
RUN npm ci --omit=optional --ignore-scripts --no-audit --no-fund \
  && npm run postinstall \
  && npm prune --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund \
  && npm cache clean --force

# The console's static files (services/console/dist/web, served by the API under /console).
# Vite's bundler is a native optional package, so this stage installs optional packages; only
# the built files leave it.
FROM node:24-slim AS console
WORKDIR /app
COPY package.json package-lock.json ./
COPY patches patches
COPY packages packages
COPY services services
RUN npm ci --ignore-scripts --no-audit --no-fund && npm run build -w @payhook/console

FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app /app
COPY --from=console /app/services/console/dist/web services/console/dist/web
COPY schemas schemas
COPY scripts/warm-compile-cache.ts scripts/warm-compile-cache.ts
RUN mkdir -p /app/.cache/node-compile && chown 1000:1000 /app/.cache/node-compile
# The image's "node" user, by number so Kubernetes can check runAsNonRoot. The files stay
# root's: the services only read them.
USER 1000:1000
# Node's compile cache, filled here with every service module as the user the services run as
# (Node keeps one cache per user): a service then loads each TypeScript file already stripped
# and compiled, and never loads Node's TypeScript stripper, which would hold about 16 MiB in
# each isolate that strips a file (the dispatcher has two: its main thread and its sender).
ENV NODE_COMPILE_CACHE=/app/.cache/node-compile
RUN node scripts/warm-compile-cache.ts
# /healthz of the service in this container: PAYHOOK_HTTP_PORT when set, else whichever
# default port answers (9464 dispatcher, 9465 scanner, 9466 confirmation filter).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const p=process.env.PAYHOOK_HTTP_PORT;Promise.any((p?[p]:[9464,9465,9466]).map(port=>fetch('http://127.0.0.1:'+port+'/healthz').then(r=>{if(!r.ok)throw new Error(String(r.status))}))).then(()=>process.exit(0),()=>process.exit(1))"]
CMD ["node", "services/cli/src/main.ts", "--help"]
