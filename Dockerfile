# One image for every durable-vnfm process (worker, gateway, reference EM, VIM simulator);
# docker-compose.yml picks the entry point per service.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# The Temporal CLI (postinstall) is not needed in the image: the server runs as its own service.
RUN npm ci --ignore-scripts --include=dev
COPY tsconfig.json ./
COPY src ./src
COPY samples ./samples
# The workflow bundle is built with the code, here, not when a worker starts.
RUN npx tsx src/workflow-bundle.ts
USER node
# The worker with the heap bound of every launcher (src/worker-heap.ts, for the default cache of
# 500 workflows); docker-compose.yml gives it to its worker service the same way (NODE_OPTIONS).
CMD ["node", "--max-old-space-size=506", "--import", "tsx", "src/worker.ts"]
