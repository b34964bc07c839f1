// A TCP front on a port of its own, for a peer that goes away and comes back under the same
// address: an EM that is down until the test lets it up, a Temporal server that is stopped and
// started again. The front listens on port 0 (the kernel's choice, held for the whole test), so
// no port is ever freed and taken again. While shut, it drops every connection at once (the
// client sees a reset, as from a host whose service is down); while open, it pipes bytes both
// ways to the current upstream, untouched (Host headers included).
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface Upstream {
  host: string;
  port: number;
}

export interface TcpGate {
  /** host:port of the front. */
  readonly address: string;
  readonly port: number;
  /** Connections the front has accepted so far, open or shut. */
  readonly accepted: number;
  /** Forwards new connections to `upstream` from now on. */
  open(upstream: Upstream): void;
  /** Drops new connections and cuts every piped one. */
  shut(): void;
  close(): Promise<void>;
}

export async function startTcpGate(upstream?: Upstream): Promise<TcpGate> {
  let target = upstream;
  let accepted = 0;
  const piped = new Set<Socket>();

  const server: Server = createServer((client) => {
    accepted += 1;
    if (!target) {
      client.destroy();
      return;
    }
    const backend = connect(target.port, target.host);
    for (const socket of [client, backend]) {
      piped.add(socket);
      socket.once('close', () => piped.delete(socket));
      socket.on('error', () => undefined); // the other side is destroyed with it below
    }
    client.once('close', () => backend.destroy());
    backend.once('close', () => client.destroy());
    client.pipe(backend).pipe(client);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };

  const gate: TcpGate = {
    address: `127.0.0.1:${port}`,
    port,
    get accepted() {
      return accepted;
    },
    open(next) {
      target = next;
    },
    shut() {
      target = undefined;
      for (const socket of piped) socket.destroy();
    },
    async close() {
      gate.shut();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return gate;
}

/** The host and port of a `http://host:port` URL, as an upstream of a gate. */
export function upstreamOf(url: string): Upstream {
  const { hostname, port } = new URL(url);
  return { host: hostname, port: Number(port) };
}
