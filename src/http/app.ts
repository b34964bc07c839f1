// The server kit every HTTP server of the project is built on (gateway, codec endpoint,
// reference EM, VIM simulator): Fastify, with zod schemas on routes (the same schemas validate
// requests, serialize responses and, in the gateway, make the OpenAPI document), and the
// project's rules for every answer that is not a route's own:
// - every error is `application/problem+json` with `status`, the reason phrase as `title` and
//   a precise `detail`; a zod validation error names the field and what was wrong;
// - 404 for an unknown path, 405 with `Allow` for a known path asked with another method,
//   400 for malformed JSON or a malformed request target, 413 over the body limit, 415 for a
//   media type the route does not parse; never a 500 for client input;
// - an unexpected error is a 500 that says nothing of the error itself, only an error id
//   which the log line with its stack carries too;
// - bounded time to receive a request's headers and the whole request, to sit idle and to keep
//   a connection alive, and a bounded number of connections.
import { randomUUID } from 'node:crypto';
import type { ServerOptions as HttpsServerOptions } from 'node:https';
import Fastify, {
  type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest,
  type FastifySchemaCompiler, type RawServerDefault,
} from 'fastify';
import { serializerCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { AllowedMethods } from './allowed-methods.ts';
import { acceptJson } from './body-parsers.ts';
import { describeZodError, HttpProblem, PROBLEM_CONTENT_TYPE } from './problem.ts';

/** A Fastify instance whose route schemas are zod schemas. */
export type App = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;

export interface AppOptions {
  /** Largest request body read into memory (JSON, forms); default 1 MiB. A route may set its own. */
  bodyLimit?: number;
  /** Serve https with these options (with `ca` and `requestCert`: mutual TLS). */
  https?: HttpsServerOptions;
  /** How long a connection may sit idle, answer pending included; 0 = unbounded. Default 120 s. */
  connectionTimeout?: number;
  /** Take `//a` for `/a` (the Temporal UI appends `/decode` to an endpoint that ends in `/`). */
  ignoreDuplicateSlashes?: boolean;
  /** Connections served at once; beyond it a new connection is closed at once. Default 1024. */
  maxConnections?: number;
  /** Receives every unexpected error (a 500) with its error id and stack. */
  log?: (line: string) => void;
  /** Turns an error of a dependency (e.g. a backend that is down) into its ProblemDetails; otherwise 500. */
  mapError?: (err: unknown) => HttpProblem | undefined;
}

const DEFAULT_BODY_LIMIT = 1024 * 1024;
/** The whole request (headers and body, an uploaded package included) must arrive within this. */
const REQUEST_TIMEOUT_MS = 300_000;
/** The request line and headers must arrive within this: a client trickling headers holds a connection no longer. */
const HEADERS_TIMEOUT_MS = 30_000;
const CONNECTION_TIMEOUT_MS = 120_000;
const MAX_CONNECTIONS = 1024;
/** Above the 60 s idle timeout of common load balancers, so that they close first. */
const KEEP_ALIVE_TIMEOUT_MS = 72_000;
/** Path parameters are ids and names; find-my-way's default (100) would make a longer one a 404 without a word. */
const MAX_PARAM_LENGTH = 2048;

export function createApp(options: AppOptions = {}): App {
  const matching = { ignoreTrailingSlash: true, ignoreDuplicateSlashes: options.ignoreDuplicateSlashes ?? false, maxParamLength: MAX_PARAM_LENGTH };
  const allowed = new AllowedMethods(matching);
  const fastifyOptions = {
    routerOptions: matching,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    requestTimeout: REQUEST_TIMEOUT_MS,
    connectionTimeout: options.connectionTimeout ?? CONNECTION_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    // Closing ends every connection, so that held answers and keep-alive sockets do not hold a stop.
    forceCloseConnections: true,
    // A GET route answers GET only: HEAD is 405 like every method a path does not have.
    exposeHeadRoutes: false,
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => sendProblem(reply, badTarget(error, request)),
  };
  // The https server hands Fastify the same IncomingMessage and ServerResponse as the http one.
  const app = (options.https
    ? Fastify({ ...fastifyOptions, https: options.https }) as unknown as FastifyInstance
    : Fastify(fastifyOptions)).withTypeProvider<ZodTypeProvider>();

  app.server.headersTimeout = HEADERS_TIMEOUT_MS;
  app.server.maxConnections = options.maxConnections ?? MAX_CONNECTIONS;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  acceptJson(app);

  app.addHook('onRoute', (route) => {
    if (!route.schema?.hide) allowed.add(route.method, route.url);
  });
  const notRouted = (request: FastifyRequest): HttpProblem => {
    const methods = allowed.of(request.url);
    const path = request.url.split('?')[0] ?? request.url;
    if (methods.length === 0) return new HttpProblem(404, `no resource at ${path}`);
    const allow = methods.join(', ');
    return new HttpProblem(405, `method ${request.method} is not supported on ${path}; allowed: ${allow}`, { Allow: allow });
  };
  // Answered before any body is read (a method Fastify knows to carry one would make it a 400 or 415 first).
  app.addHook('preParsing', (request, reply, payload, done) => {
    if (request.is404) void sendProblem(reply, notRouted(request));
    else done(null, payload);
  });
  app.setNotFoundHandler((request, reply) => sendProblem(reply, notRouted(request)));
  app.setErrorHandler((error, request, reply) => {
    let problem = problemOf(error, request, options.mapError);
    if (!problem) {
      // The caller learns that it failed, not how: the message may name paths, hosts or secrets.
      const errorId = randomUUID();
      options.log?.(`error ${errorId}: ${request.method} ${request.url.split('?')[0]} failed: ${error instanceof Error ? error.stack : String(error)}`);
      problem = new HttpProblem(500, `internal error ${errorId}; the server log has its details under this id`);
    }
    if (reply.raw.headersSent) {
      reply.raw.destroy();
      return;
    }
    return sendProblem(reply, problem);
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    withoutJsonCharset(reply);
    return payload;
  });
  return app;
}

/** Declares routes in a scope of their own: its hooks, body parsers and error handler apply to them alone. */
export function inScope(app: App, declare: (scope: App) => void, options: { prefix?: string } = {}): void {
  void app.register((scope: App, _options, done) => {
    declare(scope);
    done();
  }, options);
}

export function sendProblem(reply: FastifyReply, problem: HttpProblem): FastifyReply {
  // Serialized here: a route's response schemas describe its own answers, not this one.
  return reply.code(problem.status).headers(problem.headers).type(PROBLEM_CONTENT_TYPE).serializer(JSON.stringify).send(problem.toProblemDetails());
}

const REQUEST_PARTS: Record<string, string> = { body: 'request body', querystring: 'query', params: 'path', headers: 'headers' };

/**
 * Validates a request part with its zod schema (the schema's own `safeParse`, so what a route
 * declares is exactly what runs); a failure is a 400 naming the fields at fault.
 */
const validatorCompiler: FastifySchemaCompiler<z.ZodType> = ({ schema, httpPart }) => (data) => {
  const parsed = schema.safeParse(data);
  if (parsed.success) return { value: parsed.data };
  return { error: new HttpProblem(400, `${REQUEST_PARTS[httpPart ?? ''] ?? httpPart} is invalid: ${describeZodError(parsed.error)}`) };
};

/** The ProblemDetails of an error, or undefined for an unexpected one (a 500). */
function problemOf(error: unknown, request: FastifyRequest, mapError: AppOptions['mapError']): HttpProblem | undefined {
  if (error instanceof HttpProblem) return error;
  const mapped = mapError?.(error);
  if (mapped) return mapped;
  const { code, statusCode, message } = error as Partial<FastifyError>;
  if (statusCode === undefined || statusCode < 400 || statusCode >= 500) return undefined;
  switch (code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HttpProblem(415, `Content-Type ${request.headers['content-type'] ?? '(none)'} is not supported here`);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HttpProblem(413, `request body exceeds ${request.routeOptions.bodyLimit ?? DEFAULT_BODY_LIMIT} bytes`);
    default:
      return new HttpProblem(statusCode, message ?? 'bad request');
  }
}

/**
 * A request target the router cannot read. Malformed percent-encoding in a path is a 400; a
 * target that is no path at all (`OPTIONS *`) names no resource here: 404.
 */
function badTarget(error: FastifyError, request: FastifyRequest): HttpProblem {
  const target = request.url;
  if (error.code === 'FST_ERR_BAD_URL' && !target.startsWith('/') && !/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
    return new HttpProblem(404, `no resource at ${target}`);
  }
  if (error.code === 'FST_ERR_BAD_URL') return new HttpProblem(400, `the request target ${target} is not valid percent-encoding`);
  return new HttpProblem(400, `the request target ${target} cannot be routed: ${error.message}`);
}

/**
 * Fastify adds `; charset=utf-8` to JSON media types; JSON has no charset parameter (RFC 8259
 * §11), and our clients compare `application/json` and `application/problem+json` as they are.
 */
function withoutJsonCharset(reply: FastifyReply): void {
  const type = reply.getHeader('content-type');
  if (typeof type === 'string' && /json; charset=utf-8$/i.test(type)) reply.header('content-type', type.replace(/; charset=utf-8$/i, ''));
}
