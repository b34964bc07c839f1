// The outbound kit's exchange on its own, against node:http servers on loopback that answer
// badly on purpose: which code each fault gets, that the bounds hold (headers to the
// millisecond, the whole exchange, the size cap without buffering), and what error texts
// never show. The protocol clients' tests cover the same kit through their own peers.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Agent } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listen } from '../src/http/listen.ts';
import { codeForStatus, OutboundError, type OutboundErrorCode } from '../src/outbound/errors.ts';
import { exchange, type ExchangeLimits } from '../src/outbound/exchange.ts';
import { eventually } from './support/wait.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server;
let url: string;
let handle: Handler;
/** Responses the server has seen closed, by path: a refused body is not read to its end. */
const closed = new Set<string>();
/** One per test: a pooled connection the server closed after the last test is not reused. */
let dispatcher: Agent;

beforeAll(async () => {
  server = createServer((req, res) => {
    res.on('close', () => closed.add(req.url ?? ''));
    handle(req, res);
  });
  url = await listen(server, '127.0.0.1', 0);
});
beforeEach(() => {
  dispatcher = new Agent();
});
afterEach(async () => {
  await dispatcher.destroy();
  server.closeAllConnections();
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

async function failure(limits: ExchangeLimits, path = '/'): Promise<OutboundError> {
  const err = await exchange({ method: 'GET', url: `${url}${path}` }, dispatcher, limits).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(OutboundError);
  return err as OutboundError;
}

describe('exchange', () => {
  it('reads an answer whole: status, headers in lower case, text', async () => {
    handle = (_req, res) => res.writeHead(200, { 'X-Thing': 'a', 'Content-Type': 'text/plain' }).end('hello');

    const answer = await exchange({ method: 'GET', url }, dispatcher, { responseTimeoutMs: 5_000, maxResponseBytes: 1024 });

    expect(answer).toMatchObject({ status: 200, text: 'hello', headers: { 'x-thing': 'a', 'content-type': 'text/plain' } });
  });

  it('a peer that sends no headers is a retryable timeout after responseTimeoutMs, to the millisecond', async () => {
    handle = () => {};

    const started = Date.now();
    const error = await failure({ responseTimeoutMs: 300, maxResponseBytes: 1024 });
    const elapsed = Date.now() - started;

    expect(error).toMatchObject({ code: 'timeout', retryable: true, message: `GET ${url}/: no response within 300 ms` });
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(30_000); // wide: a loaded machine must not fail it
  });

  it('a body that trickles past totalTimeoutMs is a timeout of the whole exchange', async () => {
    handle = (_req, res) => {
      res.writeHead(200);
      const tick = setInterval(() => res.write('.'), 20);
      res.on('close', () => clearInterval(tick));
    };

    const error = await failure({ totalTimeoutMs: 300, maxResponseBytes: 1024 * 1024 }, '/trickle');

    expect(error).toMatchObject({ code: 'timeout', retryable: true, message: `GET ${url}/trickle: no complete response within 300 ms` });
    await eventually('the server to see the response closed', () => closed.has('/trickle'));
  });

  it('a body that stops between chunks is a timeout once responseTimeoutMs has passed without data', async () => {
    handle = (_req, res) => res.writeHead(200).write('first chunk, then nothing');

    const error = await failure({ responseTimeoutMs: 300, maxResponseBytes: 1024 });

    expect(error).toMatchObject({ code: 'timeout', retryable: true });
    expect(error.message).toContain('UND_ERR_BODY_TIMEOUT');
  });

  it('a Content-Length over the cap is refused as too-large at once, keeping the status, without reading the body', async () => {
    handle = (_req, res) => res.writeHead(201, { 'Content-Length': 10 * 1024 * 1024 }).write('x');

    const error = await failure({ responseTimeoutMs: 60_000, maxResponseBytes: 1024 }, '/announced');

    expect(error).toMatchObject({ code: 'too-large', retryable: false, status: 201, message: `GET ${url}/announced: the response exceeds 1024 bytes` });
    await eventually('the server to see the response closed', () => closed.has('/announced'));
  });

  it('an endless body is refused as too-large once the cap is passed: nothing buffers it', async () => {
    handle = (_req, res) => {
      res.writeHead(200);
      const chunk = Buffer.alloc(16 * 1024, 'x');
      const more = () => {
        while (res.write(chunk));
        res.once('drain', more);
      };
      more();
    };

    const error = await failure({ responseTimeoutMs: 60_000, maxResponseBytes: 64 * 1024 }, '/endless');

    expect(error).toMatchObject({ code: 'too-large', status: 200 });
    await eventually('the server to see the response closed', () => closed.has('/endless'));
  });

  it('oversizedBody drop keeps the answer\'s status and drops its body', async () => {
    handle = (_req, res) => res.writeHead(503).end('y'.repeat(4096));

    const answer = await exchange({ method: 'GET', url, oversizedBody: 'drop' }, dispatcher, { responseTimeoutMs: 5_000, maxResponseBytes: 1024 });

    expect(answer).toMatchObject({ status: 503, text: '' });
  });

  it('a refused connection is unreachable, retryable, naming ECONNREFUSED', async () => {
    // Port 0 cannot be connected to: the connection is refused, every time.
    const error = await exchange({ method: 'POST', url: 'http://127.0.0.1:0/x' }, dispatcher, { responseTimeoutMs: 5_000, maxResponseBytes: 1024 })
      .then(() => undefined, (e: unknown) => e as OutboundError);

    expect(error).toMatchObject({ code: 'unreachable', retryable: true, name: 'OutboundError' });
    expect(error?.message).toMatch(/^POST http:\/\/127\.0\.0\.1:0\/x failed: ECONNREFUSED/);
  });

  it('a peer that closes the connection mid-body is unreachable, retryable', async () => {
    handle = (_req, res) => {
      res.writeHead(200, { 'Content-Length': 100 }).write('only part');
      setImmediate(() => res.destroy());
    };

    const error = await failure({ responseTimeoutMs: 5_000, maxResponseBytes: 1024 });

    expect(error).toMatchObject({ code: 'unreachable', retryable: true });
    expect(error.message).toContain('reading the response failed');
  });

  it('userinfo in a URL never reaches an error text', async () => {
    const error = await exchange({ method: 'GET', url: 'http://vnfm:pa55w0rd-in-url@127.0.0.1:0/x' }, dispatcher, { responseTimeoutMs: 5_000, maxResponseBytes: 1024 })
      .then(() => undefined, (e: unknown) => e as OutboundError);

    expect(error).toBeInstanceOf(OutboundError);
    expect([error?.message, error?.stack, JSON.stringify(error)].join('\n')).not.toContain('pa55w0rd-in-url');
  });
});

describe('OutboundError', () => {
  it('has a fixed name, its code, a retryability that follows the code, and the message as detail', () => {
    const retryable: Record<OutboundErrorCode, boolean> = {
      'unreachable': true, 'timeout': true, 'busy': true, 'server-error': true,
      'untrusted-certificate': false, 'too-large': false, 'malformed': false, 'unauthorized': false,
      'rejected': false, 'misconfigured': false, 'foreign-location': false, 'refused-destination': false,
    };
    for (const [code, expected] of Object.entries(retryable) as [OutboundErrorCode, boolean][]) {
      const error = new OutboundError(code, 'what happened', { status: 409, problem: { status: 409, detail: 'busy stack' } });
      expect(error).toBeInstanceOf(Error);
      expect(error).toMatchObject({ name: 'OutboundError', code, retryable: expected, status: 409, detail: 'what happened', problem: { detail: 'busy stack' } });
    }
  });

  it('reads a status no protocol rule claimed as RFC 9110 does: 408, 429 and 5xx are later', () => {
    expect([401, 403, 404, 408, 409, 429, 500, 503, 200, 302].map((status) => [status, codeForStatus(status)])).toEqual([
      [401, 'unauthorized'], [403, 'rejected'], [404, 'rejected'], [408, 'busy'], [409, 'rejected'], [429, 'busy'],
      [500, 'server-error'], [503, 'server-error'], [200, 'malformed'], [302, 'malformed'],
    ]);
  });
});
