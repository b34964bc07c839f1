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
CMD ["node", "--import", "tsx", "src/worker.ts"]
