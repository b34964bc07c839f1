// SOL013 §4.2 / RFC 9110 §12.5.1: a request whose Accept allows none of the media types a
// resource answers with is refused with 406 before anything is done. What a route answers with
// is read from its own declaration (the bodies of its 2xx answers); a route that answers
// without a body answers JSON when it answers at all (its ProblemDetails aside).
import fastifyAccepts from '@fastify/accepts';
import type { RouteOptions } from 'fastify';
import type { App } from '../http/app.ts';
import { HttpProblem } from '../http/problem.ts';
import type { Answer } from './answers.ts';

/** A body of any media type (a package artifact): every Accept is served. */
export const ANY_MEDIA_TYPE = '*/*';

/** Every route declared in this scope from now on refuses an Accept it cannot satisfy. */
export function negotiated(scope: App): void {
  void scope.register(fastifyAccepts);
  const produced = new Map<string, string[]>();
  scope.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) produced.set(`${method} ${route.url}`, mediaTypesOf(route));
  });
  scope.addHook('onRequest', (request, _reply, done) => {
    const accept = request.headers.accept;
    const offered = produced.get(`${request.method} ${request.routeOptions.url ?? ''}`);
    if (accept === undefined || accept.trim() === '' || !offered || offered.includes(ANY_MEDIA_TYPE)) {
      done();
      return;
    }
    if (request.accepts().type(offered) === false) {
      throw new HttpProblem(406, `Accept ${accept} allows none of ${offered.join(', ')}, the media types of this resource`);
    }
    done();
  });
}

function mediaTypesOf(route: RouteOptions): string[] {
  const answers = (route.schema?.response ?? {}) as Record<string, Answer>;
  const types = Object.entries(answers)
    .filter(([status]) => status.startsWith('2'))
    .flatMap(([, answer]) => Object.keys(answer.content ?? {}));
  return types.length > 0 ? [...new Set(types)] : ['application/json'];
}
