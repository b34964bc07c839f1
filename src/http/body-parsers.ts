// How request bodies are read. A media type no parser is registered for in a route's scope is
// a 415 from Fastify; the parsers that read into memory are bounded by the body limit (413).
import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { HttpProblem } from './problem.ts';

/**
 * No request model of SOL002/003/005 nests nearly this deep; free-form members (extensions,
 * additionalParams) do not need more. A deeper document would go on into workflow inputs, and
 * serializing it there (JSON.stringify recurses) could overflow the stack.
 */
export const MAX_JSON_DEPTH = 64;

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
    const depth = nestingBeyond(text, MAX_JSON_DEPTH);
    if (depth !== undefined) {
      done(new HttpProblem(400, `request body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels (at offset ${depth})`), undefined);
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

/** The offset where `text` opens its (max+1)-th nested array or object, if it does: one pass, strings skipped. */
function nestingBeyond(text: string, max: number): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return i;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return undefined;
}
