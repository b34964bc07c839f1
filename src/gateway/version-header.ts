// SOL013 §4.9: the Version header. Every request of an API names the version it speaks (a
// missing one is a 400, another major version a 406, `2.0.0-impl:example.com:product:4` is
// version 2.0.0); every response says the version it was made for. The package management
// API takes requests without one, as Tacker serves it (python-tackerclient sends none there).
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { App } from '../http/app.ts';
import { HttpProblem } from '../http/problem.ts';
import { problem } from './answers.ts';
import { answerInScope } from './openapi.ts';

/** major.minor.patch, maybe followed by an implementation suffix (SOL013 Table 4.2.2-1). */
const VERSION = /^(\d+)\.(\d+)\.(\d+)(?:-impl:\S+)?$/;

export interface VersionPolicy {
  /** False: a request without Version is served as this version (vnfpkgm, as Tacker does). Default true. */
  required?: boolean;
}

/** Every route declared in this scope from now on takes a Version of the same major as `version`. */
export function versioned(scope: App, version: string, { required = true }: VersionPolicy = {}): void {
  const major = version.split('.')[0] ?? '';
  const accepted = new RegExp(`^${major}\\.\\d+\\.\\d+(?:-impl:\\S+)?$`);
  const header = z.string().regex(accepted).meta({
    description: `the API version (SOL013 §4.9): ${version}, or any ${major}.x.y, maybe with an -impl: suffix${required ? '' : '; without it the request is served as ' + version}`,
    examples: [version],
  });
  const headers = z.looseObject({ version: required ? header : header.optional() });
  scope.addHook('onRoute', (route) => {
    route.schema = { ...route.schema, headers };
  });
  answerInScope(scope, () => ({
    400: problem(`${required ? 'the Version header is missing or malformed' : 'the Version header is malformed'}, or a parameter or the body is invalid`),
    406: problem('the API version named in the Version header is not supported, or Accept allows no media type the resource has'),
  }));
  scope.addHook('onRequest', (request, _reply, done) => {
    const given = request.headers.version;
    if (given === undefined || given === '') {
      if (required) throw new HttpProblem(400, `the Version header is missing; this API is version ${version}`);
      done();
      return;
    }
    const text = typeof given === 'string' ? given.trim() : String(given);
    if (!VERSION.test(text)) throw new HttpProblem(400, `the Version header ${JSON.stringify(text)} is not a version (major.minor.patch, maybe with -impl:…); this API is version ${version}`);
    if (!accepted.test(text)) throw new HttpProblem(406, `API version ${text} is not supported; supported: ${version}`);
    done();
  });
}

/**
 * Every response under a prefix carries that API's Version, errors included (401, 404, 405):
 * set at the top, so that no answer of the API (the kit's own included) goes without it.
 */
export function announceVersions(app: FastifyInstance, versions: readonly (readonly [prefix: string, version: string])[]): void {
  app.addHook('onSend', async (request, reply, payload) => {
    const path = request.url.split('?')[0] ?? '';
    const match = versions.find(([prefix]) => path === prefix || path.startsWith(`${prefix}/`));
    if (match) reply.header('Version', match[1]);
    return payload;
  });
}
