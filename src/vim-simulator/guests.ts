// The VNFCs' own application, as a load balancer in front of them meets it: every simulated
// server answers HTTP on its fixed address (a loopback address of its own, 127.77.x.y, see
// model.ts) at the guest port, for as long as the server exists, like a VM whose service
// listens on its port. When Heat deletes a server its address stops answering at once (the
// listener closes and its connections are reset); while Nova rebuilds it, it answers 503.
//
// One listener per server address, all feeding one app of the server kit: the app reads which
// server was reached from the connection's local address.
import { createServer, type Server, type Socket } from 'node:net';
import { createApp, type App } from '../http/app.ts';
import { HttpProblem } from '../http/problem.ts';
import type { VimModel } from './model.ts';
import type { SimServer } from './state.ts';

/** The network's own address (no server gets it): it holds the guest port from the start. */
export const GUEST_NETWORK_GATEWAY = '127.77.0.1';

interface Listener {
  server: Server;
  sockets: Set<Socket>;
}

export class GuestNetwork {
  private readonly app: App;
  private readonly listeners = new Map<string, Listener>();
  /** Server ids by address, as of the last reconcile. */
  private byAddress = new Map<string, string>();
  /** Changes are applied one after another, in the order they were noticed. */
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  /**
   * `port` 0: the network's own address takes a free port at start, and every server's address
   * listens on the same one (addresses differ, so they never collide), as every VM of a VNF
   * serves on the same port.
   */
  constructor(private readonly model: VimModel, private port: number, private readonly log: (line: string) => void) {
    this.app = createApp({ log });
    this.app.get('/*', async (request, reply) => {
      const server = this.serverAt(request.socket.localAddress);
      if (!server) throw new HttpProblem(503, 'no server has this address any more');
      if (model.serverStatus(server) !== 'ACTIVE') throw new HttpProblem(503, `server ${server.name} is being rebuilt`);
      return reply.send({ server: server.id, name: server.name, image: server.image, flavor: server.flavor, path: request.url });
    });
  }

  /** The guest port, once the first listener has it (0 before). */
  get guestPort(): number {
    return this.port;
  }

  async start(): Promise<void> {
    await this.app.ready();
    await this.openListener(GUEST_NETWORK_GATEWAY);
    this.sync();
    await this.queue;
  }

  /** Opens a listener for every server with an address, and closes those of servers that are gone. */
  sync(): void {
    this.queue = this.queue.then(() => this.reconcile()).catch((err: unknown) => this.log(`guest network: ${(err as Error).message}`));
  }

  /** Resolves once every change noticed so far is applied. */
  settled(): Promise<void> {
    return this.queue;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
    await Promise.all([...this.listeners.keys()].map((address) => this.closeListener(address)));
    await this.app.close();
  }

  private async reconcile(): Promise<void> {
    if (this.closed) return;
    this.byAddress = new Map(Object.values(this.model.state.servers).flatMap((server) => (server.address ? [[server.address, server.id] as const] : [])));
    const wanted = new Set([GUEST_NETWORK_GATEWAY, ...this.byAddress.keys()]);
    for (const address of [...this.listeners.keys()]) {
      if (!wanted.has(address)) await this.closeListener(address);
    }
    for (const address of wanted) {
      if (!this.listeners.has(address)) await this.openListener(address);
    }
  }

  private async openListener(address: string): Promise<void> {
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      this.app.server.emit('connection', socket);
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.port, address, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      if (address === GUEST_NETWORK_GATEWAY) throw err; // no port for the network at all
      this.log(`guest network: ${address}:${this.port} cannot listen (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); that server does not answer`);
      return;
    }
    if (this.port === 0) this.port = (server.address() as { port: number }).port;
    this.listeners.set(address, { server, sockets });
  }

  private async closeListener(address: string): Promise<void> {
    const listener = this.listeners.get(address);
    if (!listener) return;
    this.listeners.delete(address);
    const closed = new Promise<void>((resolve) => listener.server.close(() => resolve()));
    for (const socket of listener.sockets) socket.resetAndDestroy();
    await closed;
  }

  private serverAt(address: string | undefined): SimServer | undefined {
    if (!address) return undefined;
    const id = this.byAddress.get(address.replace(/^::ffff:/, ''));
    return id === undefined ? undefined : this.model.state.servers[id];
  }
}
