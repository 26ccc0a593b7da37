# shiftstream image: `docker build -t shiftstream .`; entrypoint is the CLI (bin/shiftstream.js),
# the compose services pass `run`, `post` or `simulate`.
FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm ci runs `prepare`, which finds no sources yet and builds nothing (the build is below).
COPY scripts/prepare.mjs ./scripts/
# node-rdkafka builds librdkafka here (the full bookworm image has python3, make and g++).
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY schemas ./schemas
COPY topologies ./topologies
USER node
EXPOSE 9464
ENTRYPOINT ["node", "bin/shiftstream.js"]
CMD ["--help"]
