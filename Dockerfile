# One image for the five services, the console and the tools; docker-compose.yml picks the entry point.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps apps
COPY libs libs
COPY tools tools
RUN npx tsc -p tsconfig.build.json && npx tsc-alias -p tsconfig.build.json && npm prune --omit=dev --ignore-scripts

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY libs/contracts/proto libs/contracts/proto
# The console's page and modules are served as files (preact and htm from node_modules).
COPY apps/console/public apps/console/public
USER node
# e.g. dist/apps/catalog/src/main.js
CMD ["node", "dist/apps/catalog/src/main.js"]
