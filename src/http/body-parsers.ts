// How request bodies are read. A media type no parser is registered for in a route's scope is
// a 415 from Fastify; the parsers that read into memory are bounded by the body limit (413).
import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { HttpProblem } from './problem.ts';

/**
 * JSON (and the given JSON-based media types), parsed as Fastify parses it, refusing prototype
 * poisoning; an empty body is no body (a task POSTed without one), and malformed JSON is a 400
 * saying what is wrong with it.
 */
export function acceptJson(app: FastifyInstance, mediaTypes: string[] = ['application/json']): void {
  for (const type of [...mediaTypes, 'text/plain']) if (app.hasContentTypeParser(type)) app.removeContentTypeParser(type);
  app.addContentTypeParser(mediaTypes, { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body);
    if (text === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }));
    } catch (err) {
      done(new HttpProblem(400, `request body is not valid JSON: ${(err as Error).message}`), undefined);
    }
  });
}

/** `application/x-www-form-urlencoded`, as an object of the fields (a repeated field: its last value). */
export function acceptForm(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });
}

/** A media type whose body the route reads itself, as a stream (e.g. an upload bounded by its own limit). */
export function acceptStream(app: FastifyInstance, mediaType: string): void {
  app.addContentTypeParser(mediaType, (_request, payload, done) => done(null, payload));
}
