// One HTTP exchange over undici, bounded in time and size: the response headers must arrive
// within a bound kept to the millisecond (undici's own headersTimeout ticks every half second,
// so 300 ms could become 800), each body chunk must follow the previous one within the same
// bound, the whole exchange may have a bound of its own, and a body over the cap is refused
// without being buffered. Every failure is an OutboundError.
import type { Readable } from 'node:stream';
import { request, type Dispatcher } from 'undici';
import { ProblemDetails } from '../http/problem.ts';
import { OutboundError } from './errors.ts';
import { transportFailure } from './transport-failure.ts';

export interface OutboundRequest {
  method: Dispatcher.HttpMethod;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** How error texts name the request; by default its method and URL (without userinfo). */
  what?: string;
  /**
   * A response body over the cap fails the exchange as `too-large` ('fail', the default), or,
   * where only the status counts, is dropped unread and the answer kept with an empty text.
   */
  oversizedBody?: 'fail' | 'drop';
  /** 'bytes': the body is kept as it came (a package archive), in `bytes`, and `text` is empty. */
  responseBody?: 'text' | 'bytes';
}

export interface ExchangeLimits {
  /** Bound on waiting for the response headers (connecting included) and between body chunks. */
  responseTimeoutMs?: number;
  /** Bound on the whole exchange, from sending to the last byte of the body. */
  totalTimeoutMs?: number;
  /** A larger response body is refused. */
  maxResponseBytes: number;
}

/** A response read whole: header names in lower case, each with its first value. */
export interface Answer {
  status: number;
  headers: Record<string, string | undefined>;
  text: string;
  /** The body as it came, when the request asked for bytes. */
  bytes?: Uint8Array;
}

export async function exchange(req: OutboundRequest, dispatcher: Dispatcher, limits: ExchangeLimits): Promise<Answer> {
  const what = req.what ?? describeRequest(req.method, req.url);
  const deadline = new AbortController();
  const timeout = (ms: number, text: string) => setTimeout(() => deadline.abort(new OutboundError('timeout', `${what}: ${text} within ${ms} ms`)), ms);
  const total = limits.totalTimeoutMs === undefined ? undefined : timeout(limits.totalTimeoutMs, 'no complete response');
  const headers = limits.responseTimeoutMs === undefined ? undefined : timeout(limits.responseTimeoutMs, 'no response');
  try {
    let res: Dispatcher.ResponseData;
    try {
      res = await request(req.url, {
        method: req.method, headers: req.headers, body: req.body, dispatcher, signal: deadline.signal,
        // undici's coarser timers stay as a backstop; ours, armed first, fire first.
        headersTimeout: limits.responseTimeoutMs ?? limits.totalTimeoutMs, bodyTimeout: limits.responseTimeoutMs ?? limits.totalTimeoutMs,
      });
    } finally {
      clearTimeout(headers);
    }
    const flat = flatHeaders(res.headers);
    let body: Buffer;
    try {
      body = await readCapped(res.body, flat['content-length'], limits.maxResponseBytes, what, res.statusCode);
    } catch (err) {
      if (!(err instanceof OutboundError && err.code === 'too-large' && req.oversizedBody === 'drop')) throw err;
      body = Buffer.alloc(0);
    }
    if (req.responseBody === 'bytes') return { status: res.statusCode, headers: flat, text: '', bytes: new Uint8Array(body.buffer, body.byteOffset, body.byteLength) };
    return { status: res.statusCode, headers: flat, text: body.toString('utf8') };
  } catch (err) {
    throw transportFailure(err, what);
  } finally {
    clearTimeout(total);
  }
}

/** The peer's ProblemDetails, when the body is one. */
export function problemIn(answer: Answer): ProblemDetails | undefined {
  try {
    const parsed = ProblemDetails.safeParse(JSON.parse(answer.text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** `METHOD url` for error texts. */
export function describeRequest(method: string, url: string): string {
  return `${method} ${displayUrl(url)}`;
}

/** A URL as error texts show it: userinfo (`user:password@`) never appears in them. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password) return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '(an unparseable URL)';
  }
}

async function readCapped(body: Readable, contentLength: string | undefined, maxBytes: number, what: string, status: number): Promise<Buffer> {
  // The status travels with the refusal: a peer's answer does not stop being its answer for being long.
  const tooLarge = () => {
    body.destroy();
    return new OutboundError('too-large', `${what}: the response exceeds ${maxBytes} bytes`, { status });
  };
  if (Number(contentLength ?? 0) > maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) throw tooLarge();
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    throw transportFailure(err, `${what}: reading the response`);
  }
  return Buffer.concat(chunks);
}

function flatHeaders(headers: Dispatcher.ResponseData['headers']): Record<string, string | undefined> {
  const flat: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) flat[name.toLowerCase()] = Array.isArray(value) ? value[0] : value;
  return flat;
}
