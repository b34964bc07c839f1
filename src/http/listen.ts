// Starting servers on an address and learning their base URL (port 0 picks a free port).
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import type { FastifyInstance } from 'fastify';

/** Starts a server or an app on host:port and resolves with its base URL. */
export async function listen(target: Server | FastifyInstance, host: string, port: number): Promise<string> {
  if (!('listen' in target && 'route' in target)) return listenServer(target, host, port);
  await target.listen({ host, port });
  const address = target.server.address() as AddressInfo;
  return `${target.server instanceof TlsServer ? 'https' : 'http'}://${hostLiteral(host)}:${address.port}`;
}

/**
 * The app as a request listener of a server started elsewhere (Fastify's documented way to
 * serve from a server it did not create): for a test that wraps every request, or an app that
 * must know its address before it is built.
 */
export async function requestListener(app: FastifyInstance): Promise<RequestListener> {
  await app.ready();
  return (req, res) => void app.server.emit('request', req, res);
}

export interface RunningApp {
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

/**
 * Listens first, then builds the app with the URL it got: an app whose answers carry its own
 * address (Location headers, links) can listen on port 0.
 */
export async function listenThenBuild(host: string, port: number, build: (url: string) => FastifyInstance): Promise<RunningApp> {
  const app: { handle?: RequestListener } = {};
  const server = createServer((req, res) => app.handle?.(req, res));
  const url = await listenServer(server, host, port);
  const built = build(url);
  // The timeouts Fastify set on the server it made (and never listens on).
  server.setTimeout(built.server.timeout);
  server.keepAliveTimeout = built.server.keepAliveTimeout;
  server.requestTimeout = built.server.requestTimeout;
  server.headersTimeout = built.server.headersTimeout;
  server.maxConnections = built.server.maxConnections;
  app.handle = await requestListener(built);
  return {
    url,
    app: built,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await Promise.all([closed, built.close()]);
    },
  };
}

async function listenServer(server: Server, host: string, port: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return `http://${hostLiteral(host)}:${address.port}`;
}

function hostLiteral(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
