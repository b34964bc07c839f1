// The load balancer simulator: the external load balancer of a Blue-Green change on one
// machine. Two listeners on the server kit:
// - the front, an HTTP reverse proxy that sends each request to the next member of its pool
//   (round robin) and counts what every request came to: nothing is retried elsewhere, so a
//   request that failed is a request a client saw fail;
// - the management API, HTTP Basic with one username and password (what `external_lb_param`
//   carries): read the pool, switch it (the whole pool at once, answered once the requests in
//   flight to members that left it have finished), read the counts, and, for tests, make the
//   next switches fail.
// The pool is kept in a file (a restart keeps sending traffic where it did); the counts are not.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Agent, request } from 'undici';
import { z } from 'zod';
import { createApp, type App } from '../http/app.ts';
import { listen } from '../http/listen.ts';
import { HttpProblem } from '../http/problem.ts';
import { JsonFile } from '../persistence/json-file.ts';
import { Member, memberKey, Pool } from './pool.ts';

export interface LoadBalancerSimulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** The front (traffic); default 9895, 0 picks a free port. */
  port?: number;
  /** The management API; default 9896, 0 picks a free port. */
  adminPort?: number;
  username: string;
  password: string;
  /** Port of a member given without one (where the VNFCs' application listens). */
  memberPort: number;
  /** JSON file holding the pool; none: the pool starts empty and is forgotten on stop. */
  stateFile?: string;
  /** Bound on waiting for requests in flight to leaving members. Default 30 s. */
  drainTimeoutMs?: number;
  /** Bound on one forwarded exchange. Default 30 s. */
  memberTimeoutMs?: number;
  /** One line per management request; default stdout. */
  log?: (line: string) => void;
}

export interface LoadBalancerSimulator {
  /** Base URL of the front, e.g. http://127.0.0.1:9895. */
  url: string;
  /** Base URL of the management API. */
  adminUrl: string;
  pool: Pool;
  close(): Promise<void>;
}

export const SwitchRequest = z.object({
  members: z.array(z.object({ address: Member.shape.address, port: Member.shape.port.optional() })).min(1),
});

/** `refuse`: the next switches are answered 503 and change nothing; `fail-after-switch`: they change the pool, then answer 500. */
export const FaultRequest = z.object({ switch: z.enum(['refuse', 'fail-after-switch']), times: z.number().int().min(1).default(1) });

const StoredPool = z.object({ members: z.array(Member).default([]) });

/** Hop-by-hop headers (RFC 9110 §7.6.1) are the proxy's own, never forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'content-length']);

export async function startLoadBalancerSimulator(options: LoadBalancerSimulatorOptions): Promise<LoadBalancerSimulator> {
  const log = options.log ?? ((line: string) => console.log(line));
  const host = options.host ?? '127.0.0.1';
  const store = options.stateFile ? new JsonFile(options.stateFile, StoredPool) : undefined;
  const pool = new Pool(store?.read().members ?? []);
  const agent = new Agent({ connect: { timeout: 5_000 }, keepAliveTimeout: 10_000 });
  const fault: { kind?: z.infer<typeof FaultRequest>['switch']; times: number } = { times: 0 };

  const front = frontApp(pool, agent, options.memberTimeoutMs ?? 30_000, log);
  const admin = createApp({ log });
  admin.addHook('onRequest', (req, _reply, done) => {
    if (!isAuthorized(req.headers.authorization, options.username, options.password)) {
      throw new HttpProblem(401, 'the load balancer\'s management API needs its username and password (HTTP Basic)', { 'WWW-Authenticate': 'Basic realm="load-balancer"' });
    }
    done();
  });
  admin.addHook('onResponse', (req, reply, done) => {
    log(`${req.method} ${req.url.split('?')[0] ?? '/'} ${reply.statusCode}`);
    done();
  });
  admin.get('/v1/pool', () => ({ members: pool.current() }));
  admin.put('/v1/pool', { schema: { body: SwitchRequest } }, async (req) => {
    if (fault.kind === 'refuse' && takeFault(fault)) throw new HttpProblem(503, 'the load balancer is busy; the pool was not changed', { 'Retry-After': '1' });
    const members = req.body.members.map((m) => ({ address: m.address, port: m.port ?? options.memberPort }));
    store?.update((stored) => {
      stored.members = members;
    });
    const drained = await pool.switchTo(members, options.drainTimeoutMs ?? 30_000);
    log(`pool switched to ${members.map(memberKey).join(', ')}${drained ? '' : ' (requests to the members that left were still in flight)'}`);
    if (fault.kind === 'fail-after-switch' && takeFault(fault)) throw new HttpProblem(500, 'the pool was changed, but the load balancer failed to confirm it');
    return { members, drained };
  });
  admin.get('/v1/stats', () => pool.stats);
  admin.put('/v1/faults', { schema: { body: FaultRequest } }, (req) => {
    fault.kind = req.body.switch;
    fault.times = req.body.times;
    return { switch: fault.kind, times: fault.times };
  });
  admin.delete('/v1/faults', async (_req, reply) => {
    fault.kind = undefined;
    fault.times = 0;
    return reply.code(204).send();
  });

  const url = await listen(front, host, options.port ?? 9895);
  const adminUrl = await listen(admin, host, options.adminPort ?? 9896);
  return {
    url, adminUrl, pool,
    close: async () => {
      await Promise.all([front.close(), admin.close()]);
      await agent.close();
    },
  };
}

/** Every method and path goes to the next member, body and headers as they came (bar hop-by-hop). */
function frontApp(pool: Pool, agent: Agent, timeoutMs: number, log: (line: string) => void): App {
  const app = createApp({ log });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  const forward = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const member = pool.pick();
    if (!member) throw new HttpProblem(503, 'the load balancer has no member to send the request to');
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([name, value]) => value !== undefined && !HOP_BY_HOP.has(name))) as Record<string, string | string[]>;
    try {
      const answer = await request(`http://${memberKey(member)}${req.url}`, {
        method: req.method as 'GET', headers, body: Buffer.isBuffer(req.body) ? req.body : undefined, dispatcher: agent,
        headersTimeout: timeoutMs, bodyTimeout: timeoutMs,
      });
      const body = Buffer.from(await answer.body.arrayBuffer());
      pool.finish(member, answer.statusCode < 500);
      for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) void reply.header(name, value);
      return reply.code(answer.statusCode).send(body);
    } catch (err) {
      pool.finish(member, false);
      throw new HttpProblem(502, `member ${memberKey(member)} did not answer: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  app.all('/*', (req, reply) => forward(req, reply));
  app.all('/', (req, reply) => forward(req, reply));
  return app;
}

function takeFault(fault: { kind?: string; times: number }): boolean {
  if (fault.times <= 0) return false;
  fault.times -= 1;
  if (fault.times === 0) fault.kind = undefined;
  return true;
}

function isAuthorized(header: string | undefined, username: string, password: string): boolean {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) return false;
  const given = Buffer.from(match[1], 'base64').toString('utf8');
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(`${username}:${password}`));
}
