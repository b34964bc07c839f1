// The codec endpoint ("codec server") of the Temporal Web UI and CLI: `POST /decode` and
// `POST /encode` in Temporal's remote codec JSON format ({ payloads: [{ metadata, data }] },
// every value base64). It hands out plaintext, so every payload request is authenticated:
//
// - `Authorization: Bearer <token>`: the Temporal CLI (`--codec-auth 'Bearer <token>'`), scripts,
//   and a Web UI that has its own login and "Pass the user access token" (https only).
// - the session cookie set by this endpoint's own sign-in page (`GET /`): the Web UI of the dev
//   server has no login, so it has no token to pass; with "Include cross-origin credentials" it
//   sends `fetch(..., { credentials: 'include' })`, and the browser adds this HttpOnly cookie. It
//   holds a random session id (sessions.ts), not the token; it is accepted only from an allowed
//   origin (or with no Origin at all), so another page cannot ride on it; signing in and out
//   are accepted only from this endpoint's own page.
//
// CORS allows the configured Web UI origins, with credentials, for POST and the headers the UI
// sends (Content-Type, X-Namespace, Authorization, Authorization-Extras).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ServerOptions as HttpsServerOptions } from 'node:https';
import fastifyCookie from '@fastify/cookie';
import fastifyCors from '@fastify/cors';
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { createApp, inScope, type App } from '../http/app.ts';
import { acceptForm } from '../http/body-parsers.ts';
import { listen } from '../http/listen.ts';
import { HttpProblem } from '../http/problem.ts';
import { PayloadDecryptionError } from './encryption-codec.ts';
import { CodecSessions, SESSION_LIFETIME_MS } from './sessions.ts';

export const SESSION_COOKIE = 'vnfm_codec_session';
const ALLOWED_HEADERS = ['Authorization', 'Authorization-Extras', 'Content-Type', 'X-Namespace'];
const PAYLOADS_BODY_LIMIT = 8 * 1024 * 1024;
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
  /** Serve https (the session cookie is then `Secure`). */
  https?: HttpsServerOptions;
  /** The clock sessions end by (tests move it). */
  now?: () => number;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The codec endpoint as an app: `listen` it, or serve it from a server of your own (requestListener). */
export function createCodecApp(options: CodecEndpointOptions): App {
  const expected = digest(options.token);
  const allowed = new Set(options.allowedOrigins);
  const isToken = (candidate: string | undefined): boolean => candidate !== undefined && timingSafeEqual(digest(candidate), expected);
  const sessions = new CodecSessions(options.now);
  const ownOrigin = (request: FastifyRequest): string => `${request.protocol}://${request.headers.host ?? ''}`;
  const fromOwnPage = (request: FastifyRequest, action: string): void => {
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== ownOrigin(request)) throw new HttpProblem(403, `${action} from the codec endpoint's own page`);
  };
  const sessionCookie = (request: FastifyRequest, value: string, maxAgeSeconds: number) => [SESSION_COOKIE, value, {
    path: '/', httpOnly: true, sameSite: 'strict', secure: request.protocol === 'https', maxAge: maxAgeSeconds,
  }] as const;

  // The UI appends `/decode` to the configured endpoint: `http://host:8234/` gives `//decode`.
  const app = createApp({ bodyLimit: PAYLOADS_BODY_LIMIT, log: options.log, ignoreDuplicateSlashes: true, https: options.https });
  void app.register(fastifyCookie);
  void app.register(fastifyCors, {
    delegator: (request, callback) => {
      const origin = request.headers.origin;
      const fromUi = origin !== undefined && allowed.has(origin);
      if (request.method === 'OPTIONS' && !fromUi) {
        options.log?.(`codec endpoint: refused CORS preflight from ${origin ?? 'no origin'}`);
        callback(new HttpProblem(403, `origin ${origin ?? '(none)'} may not call the codec endpoint from a browser`), {});
        return;
      }
      callback(null, {
        origin: fromUi ? origin : false, credentials: true, methods: ['POST', 'OPTIONS'], allowedHeaders: ALLOWED_HEADERS, maxAge: 600,
        strictPreflight: false,
      });
    },
  });

  function authenticate(request: FastifyRequest): void {
    const authorization = request.headers.authorization;
    if (authorization !== undefined) {
      const bearer = /^Bearer\s+(.+)$/i.exec(authorization)?.[1]?.trim();
      if (isToken(bearer)) return;
      throw new HttpProblem(401, 'the bearer token is not the codec token', { 'WWW-Authenticate': `Bearer realm="${REALM}", error="invalid_token"` });
    }
    const session = request.cookies[SESSION_COOKIE];
    if (session !== undefined) {
      const origin = request.headers.origin;
      if (origin !== undefined && !allowed.has(origin) && origin !== ownOrigin(request)) {
        throw new HttpProblem(403, `origin ${origin} may not use the codec session cookie`);
      }
      if (sessions.isOpen(session)) return;
    }
    throw new HttpProblem(401, 'the codec endpoint needs the codec token: `Authorization: Bearer <token>`, or sign in at / and let the Web UI include cross-origin credentials', {
      'WWW-Authenticate': `Bearer realm="${REALM}"`,
    });
  }

  inScope(app, (payloads) => {
    // Who may see plaintext is settled before the body is read.
    payloads.addHook('onRequest', (request, _reply, done) => {
      authenticate(request);
      done();
    });
    for (const direction of ['decode', 'encode'] as const) {
      payloads.post(`/${direction}`, { schema: { body: CodecRequest } }, async (request, reply) => {
        let coded: Payload[];
        try {
          coded = await options.codec[direction](request.body.payloads.map(payloadFromJson));
        } catch (err) {
          if (err instanceof PayloadDecryptionError) throw new HttpProblem(422, err.message);
          throw err;
        }
        return reply.header('Cache-Control', 'no-store').send({ payloads: coded.map(payloadToJson) });
      });
    }
  });

  app.get('/', (request, reply) => void sendPage(reply, 200, sessions.isOpen(request.cookies[SESSION_COOKIE]) ? 'signed-in' : 'signed-out', ownOrigin(request)));

  inScope(app, (session) => {
    acceptForm(session);
    session.post('/session', { bodyLimit: 4096, schema: { body: z.record(z.string(), z.string()) } }, async (request, reply) => {
      fromOwnPage(request, 'sign in');
      const token = request.body.token?.trim();
      if (!isToken(token)) return sendPage(reply, 401, 'wrong-token', ownOrigin(request));
      sessions.close(request.cookies[SESSION_COOKIE]);
      return reply.setCookie(...sessionCookie(request, sessions.open(), SESSION_LIFETIME_MS / 1000)).redirect('/', 303);
    });
    session.post('/session/delete', async (request, reply) => {
      fromOwnPage(request, 'sign out');
      sessions.close(request.cookies[SESSION_COOKIE]);
      return reply.setCookie(...sessionCookie(request, '', 0)).redirect('/', 303);
    });
  });
  return app;
}

type PageState = 'signed-in' | 'signed-out' | 'wrong-token';

function sendPage(reply: FastifyReply, status: number, state: PageState, origin: string): FastifyReply {
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
  return reply.code(status).type('text/html; charset=utf-8').headers({
    'Cache-Control': 'no-store',
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    'X-Frame-Options': 'DENY',
  }).send(html);
}

export interface RunningCodecEndpoint {
  url: string;
  app: App;
  close(): Promise<void>;
}

export async function startCodecEndpoint(options: CodecEndpointOptions & { host?: string; port?: number }): Promise<RunningCodecEndpoint> {
  const app = createCodecApp(options);
  const url = await listen(app, options.host ?? '127.0.0.1', options.port ?? 0);
  return { url, app, close: () => app.close() };
}
