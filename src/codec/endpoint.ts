// The codec endpoint ("codec server") of the Temporal Web UI and CLI: `POST /decode` and
// `POST /encode` in Temporal's remote codec JSON format ({ payloads: [{ metadata, data }] },
// every value base64). It hands out plaintext, so every payload request is authenticated:
//
// - `Authorization: Bearer <token>`: the Temporal CLI (`--codec-auth 'Bearer <token>'`), scripts,
//   and a Web UI that has its own login and "Pass the user access token" (https only).
// - the cookie set by this endpoint's own sign-in page (`GET /`): the Web UI of the dev server
//   has no login, so it has no token to pass; with "Include cross-origin credentials" it sends
//   `fetch(..., { credentials: 'include' })`, and the browser adds this HttpOnly cookie. The
//   cookie is accepted only from an allowed origin (or with no Origin at all), so another page
//   cannot ride on it.
//
// CORS allows the configured Web UI origins, with credentials, for POST and the headers the UI
// sends (Content-Type, X-Namespace, Authorization, Authorization-Extras).
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { HttpProblem } from '../http/problem.ts';
import { listen, Router, sendJson, type RequestContext } from '../http/server.ts';
import { PayloadDecryptionError } from './encryption-codec.ts';

export const SESSION_COOKIE = 'vnfm_codec_session';
const SESSION_MAX_AGE_SECONDS = 30 * 24 * 3600;
const ALLOWED_HEADERS = 'Authorization, Authorization-Extras, Content-Type, X-Namespace';
const REALM = 'durable-vnfm codec';

/** One payload in the remote codec JSON format: metadata values and data are base64. */
export const JsonPayload = z.looseObject({
  metadata: z.record(z.string(), z.string()).nullish(),
  data: z.string().nullish(),
});
export type JsonPayload = z.infer<typeof JsonPayload>;
export const CodecRequest = z.object({ payloads: z.array(JsonPayload) });
export type CodecRequest = z.infer<typeof CodecRequest>;

export function payloadFromJson({ metadata, data }: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')])),
    data: Buffer.from(data ?? '', 'base64'),
  };
}

export function payloadToJson({ metadata, data }: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')])),
    data: Buffer.from(data ?? new Uint8Array()).toString('base64'),
  };
}

export interface CodecEndpointOptions {
  codec: PayloadCodec;
  /** The bearer token; also what the sign-in page asks for. */
  token: string;
  /** Origins of the Web UI (scheme://host:port) that may call from a browser. */
  allowedOrigins: readonly string[];
  log?: (line: string) => void;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function cookies(req: IncomingMessage): Map<string, string> {
  const jar = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    try {
      jar.set(part.slice(0, eq).trim(), decodeURIComponent(part.slice(eq + 1).trim()));
    } catch {
      // a malformed cookie is no credential
    }
  }
  return jar;
}

/** The request listener of the codec endpoint. */
export function createCodecEndpoint(options: CodecEndpointOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const expected = digest(options.token);
  const allowed = new Set(options.allowedOrigins);
  const isToken = (candidate: string | undefined): boolean => candidate !== undefined && timingSafeEqual(digest(candidate), expected);
  const ownOrigin = (req: IncomingMessage): string => `http://${req.headers.host ?? ''}`;

  function authenticate({ req }: RequestContext): void {
    const authorization = req.headers.authorization;
    if (authorization !== undefined) {
      const bearer = /^Bearer\s+(.+)$/i.exec(authorization)?.[1]?.trim();
      if (isToken(bearer)) return;
      throw new HttpProblem(401, 'the bearer token is not the codec token', { 'WWW-Authenticate': `Bearer realm="${REALM}", error="invalid_token"` });
    }
    const session = cookies(req).get(SESSION_COOKIE);
    if (session !== undefined) {
      const origin = req.headers.origin;
      if (origin !== undefined && !allowed.has(origin) && origin !== ownOrigin(req)) {
        throw new HttpProblem(403, `origin ${origin} may not use the codec session cookie`);
      }
      if (isToken(session)) return;
    }
    throw new HttpProblem(401, 'the codec endpoint needs the codec token: `Authorization: Bearer <token>`, or sign in at / and let the Web UI include cross-origin credentials', {
      'WWW-Authenticate': `Bearer realm="${REALM}"`,
    });
  }

  const codecRoute = (direction: 'encode' | 'decode') => async (ctx: RequestContext): Promise<void> => {
    authenticate(ctx);
    if (!/^application\/json\b/i.test(ctx.req.headers['content-type'] ?? '')) {
      throw new HttpProblem(415, 'send the payloads as Content-Type: application/json');
    }
    const body = await ctx.json(CodecRequest);
    let payloads: Payload[];
    try {
      payloads = await options.codec[direction](body.payloads.map(payloadFromJson));
    } catch (err) {
      if (err instanceof PayloadDecryptionError) throw new HttpProblem(422, err.message);
      throw err;
    }
    sendJson(ctx.res, 200, { payloads: payloads.map(payloadToJson) }, { 'Cache-Control': 'no-store' });
  };

  const router = new Router({ maxBodyBytes: 8 * 1024 * 1024, log: options.log })
    .on('POST', '/decode', codecRoute('decode'))
    .on('POST', '/encode', codecRoute('encode'))
    .on('GET', '/', (ctx) => {
      sendPage(ctx.res, 200, isToken(cookies(ctx.req).get(SESSION_COOKIE)) ? 'signed-in' : 'signed-out', ownOrigin(ctx.req));
    })
    .on('POST', '/session', async (ctx) => {
      const origin = ctx.req.headers.origin;
      if (origin !== undefined && origin !== ownOrigin(ctx.req)) throw new HttpProblem(403, 'sign in from the codec endpoint\'s own page');
      const token = new URLSearchParams(await readSmallBody(ctx.req)).get('token')?.trim();
      if (!isToken(token)) {
        sendPage(ctx.res, 401, 'wrong-token', ownOrigin(ctx.req));
        return;
      }
      ctx.res.writeHead(303, {
        Location: '/',
        'Set-Cookie': `${SESSION_COOKIE}=${encodeURIComponent(token ?? '')}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_MAX_AGE_SECONDS}`,
        'Content-Length': 0,
      });
      ctx.res.end();
    })
    .on('POST', '/session/delete', (ctx) => {
      ctx.res.writeHead(303, { Location: '/', 'Set-Cookie': `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`, 'Content-Length': 0 });
      ctx.res.end();
    });

  return (req, res) => {
    // The UI appends `/decode` to the configured endpoint: `http://host:8234/` gives `//decode`.
    req.url = (req.url ?? '/').replace(/^\/{2,}/, '/');
    const origin = req.headers.origin;
    if (origin !== undefined && allowed.has(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
    }
    res.setHeader('Vary', 'Origin');
    if (req.method === 'OPTIONS') {
      if (origin === undefined || !allowed.has(origin)) {
        options.log?.(`codec endpoint: refused CORS preflight from ${origin ?? 'no origin'}`);
        res.writeHead(403, { 'Content-Length': 0 });
        res.end();
        return;
      }
      res.writeHead(204, {
        'Access-Control-Allow-Methods': 'POST, OPTIONS',
        'Access-Control-Allow-Headers': ALLOWED_HEADERS,
        'Access-Control-Max-Age': '600',
        'Content-Length': 0,
      });
      res.end();
      return;
    }
    void router.handle(req, res);
  };
}

async function readSmallBody(req: IncomingMessage, maxBytes = 4096): Promise<string> {
  let text = '';
  for await (const chunk of req) {
    text += (chunk as Buffer).toString('utf8');
    if (text.length > maxBytes) throw new HttpProblem(413, `request body exceeds ${maxBytes} bytes`);
  }
  return text;
}

type PageState = 'signed-in' | 'signed-out' | 'wrong-token';

function sendPage(res: ServerResponse, status: number, state: PageState, origin: string): void {
  const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const endpoint = escape(origin);
  const body = state === 'signed-in'
    ? `<p id="status">This browser is signed in to the codec endpoint.</p>
<form method="post" action="/session/delete"><button type="submit">Sign out</button></form>`
    : `${state === 'wrong-token' ? '<p id="status" role="alert">That is not the codec token.</p>' : '<p id="status">This browser is not signed in.</p>'}
<form method="post" action="/session">
  <label for="token">Codec token</label>
  <input id="token" name="token" type="password" autocomplete="current-password" required>
  <button type="submit">Sign in</button>
</form>`;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>durable-vnfm codec endpoint</title>
<style>body{font-family:sans-serif;max-width:46rem;margin:2rem auto;line-height:1.5}code{background:#eee;padding:0 .2rem}</style></head>
<body>
<h1>durable-vnfm codec endpoint</h1>
<p>Workflow inputs and results are encrypted in Temporal. This endpoint decrypts them for the Temporal Web UI
of a signed-in browser.</p>
${body}
<h2>Use it from the Temporal Web UI</h2>
<ol>
<li>Sign in here with the codec token (<code>npm start</code> keeps it in <code>.data/codec-token</code>).</li>
<li>In the Web UI, open <b>Codec Server</b> in the top bar, choose <b>Use my browser setting</b>, enter the endpoint
<code>${endpoint}</code>, turn on <b>Include cross-origin credentials</b>, and apply.</li>
<li>Open the Web UI with the same host name as this page (<code>127.0.0.1</code> or <code>localhost</code>, not a mix):
the browser sends the sign-in cookie only within one site.</li>
</ol>
<p>The Temporal CLI authenticates with the token itself:
<code>temporal workflow show -w ID --codec-endpoint ${endpoint} --codec-auth 'Bearer TOKEN'</code></p>
</body></html>
`;
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(html),
    'Cache-Control': 'no-store',
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    'X-Frame-Options': 'DENY',
  });
  res.end(html);
}

export interface RunningCodecEndpoint {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export async function startCodecEndpoint(options: CodecEndpointOptions & { host?: string; port?: number }): Promise<RunningCodecEndpoint> {
  const server = createServer(createCodecEndpoint(options));
  const url = await listen(server, options.host ?? '127.0.0.1', options.port ?? 0);
  return {
    url,
    server,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
