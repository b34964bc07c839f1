import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { z } from 'zod';
import { describeZodError, HttpProblem, PROBLEM_CONTENT_TYPE } from './problem.ts';

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
  /** Reads and parses the JSON body against a schema; a bad body is a 400 ProblemDetails. */
  json<S extends z.ZodType>(schema: S): Promise<z.infer<S>>;
  /** Reads the body as text (size-capped like json). */
  text(): Promise<string>;
}

export type Handler = (ctx: RequestContext) => Promise<void> | void;

interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  keys: string[];
  handler: Handler;
}

export interface RouterOptions {
  maxBodyBytes?: number;
  /** Runs before every route (authentication, version checks); throw HttpProblem to refuse. */
  before?: (ctx: RequestContext) => Promise<void> | void;
  log?: (line: string) => void;
  /** Turns an error of a dependency (e.g. a backend that is down) into its ProblemDetails; otherwise 500. */
  mapError?: (err: unknown) => HttpProblem | undefined;
}

/** A small router over node:http: path templates with `:name`, 404/405 and ProblemDetails errors. */
export class Router {
  private readonly routes: Route[] = [];
  constructor(private readonly options: RouterOptions = {}) {}

  on(method: string, template: string, handler: Handler): this {
    const keys: string[] = [];
    const source = template.replace(/:([A-Za-z_]+)/g, (_m, key: string) => {
      keys.push(key);
      return '([^/]+)';
    });
    this.routes.push({ method, template, pattern: new RegExp(`^${source}/?$`), keys, handler });
    return this;
  }

  /** The registered routes, in registration order (e.g. to check an API description against them). */
  registeredRoutes(): { method: string; template: string }[] {
    return this.routes.map(({ method, template }) => ({ method, template }));
  }

  /** Never rejects: every failure, a malformed request target included, is answered with a ProblemDetails. */
  readonly handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const maxBodyBytes = this.options.maxBodyBytes ?? 1024 * 1024;
    let path = req.url ?? '/';
    try {
      const url = requestUrl(req);
      path = url.pathname;
      const ctx: RequestContext = {
        req, res, url, params: {},
        json: async (schema) => parseJson(schema, await readBody(req, maxBodyBytes)),
        text: () => readBody(req, maxBodyBytes),
      };
      const candidates = this.routes.filter((r) => r.pattern.test(url.pathname));
      if (candidates.length === 0) throw new HttpProblem(404, `no resource at ${url.pathname}`);
      const route = candidates.find((r) => r.method === req.method);
      if (!route) {
        const allow = [...new Set(candidates.map((r) => r.method))].join(', ');
        throw new HttpProblem(405, `method ${req.method} is not supported on ${url.pathname}; allowed: ${allow}`, { Allow: allow });
      }
      const match = route.pattern.exec(url.pathname);
      route.keys.forEach((key, i) => (ctx.params[key] = decodePathSegment(match?.[i + 1] ?? '')));
      await this.options.before?.(ctx);
      await route.handler(ctx);
    } catch (err) {
      const mapped = err instanceof HttpProblem ? err : this.options.mapError?.(err);
      const problem = mapped ?? new HttpProblem(500, `internal error: ${(err as Error).message}`);
      if (!mapped) this.options.log?.(`${req.method} ${path} failed: ${(err as Error).stack}`);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      try {
        sendProblem(res, problem);
      } catch {
        res.destroy();
      }
    }
  };
}

/** The request target as a URL: `//x` is the path `//x` (not a host), and a target that is no URL is a 400, not a crash. */
function requestUrl(req: IncomingMessage): URL {
  const target = req.url ?? '/';
  try {
    return target.startsWith('/') ? new URL(`http://localhost${target}`) : new URL(target, 'http://localhost');
  } catch {
    throw new HttpProblem(400, 'the request target is not a valid URL');
  }
}

function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpProblem(400, `path segment ${segment} is not valid percent-encoding`);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Length': 0, ...headers });
  res.end();
}

export function sendProblem(res: ServerResponse, problem: HttpProblem): void {
  const text = JSON.stringify(problem.toProblemDetails());
  res.writeHead(problem.status, { 'Content-Type': PROBLEM_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(text), ...problem.headers });
  res.end(text);
}

async function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new HttpProblem(413, `request body exceeds ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson<S extends z.ZodType>(schema: S, text: string): z.infer<S> {
  let value: unknown;
  try {
    value = text.length ? JSON.parse(text) : undefined;
  } catch (err) {
    throw new HttpProblem(400, `request body is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new HttpProblem(400, `request body is invalid: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

/** Starts a server on host:port (port 0 picks one) and resolves with its base URL. */
export async function listen(server: Server, host: string, port: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

export function serve(router: Router): Server {
  return createServer((req, res) => void router.handle(req, res));
}
