// Authentication before routing: every request but the public ones (the token endpoint, the
// OpenAPI document) must come from a caller the GatewayAuthenticator accepts, before its path is
// looked up and before its body is read. A caller without credentials learns nothing of what
// exists (no 404, no 405, no 400), cannot hold a connection open with a slow body, and a caller
// whose credentials keep failing is throttled by address.
import { z } from 'zod';
import type { App } from '../http/app.ts';
import { HttpProblem } from '../http/problem.ts';
import { problem } from './answers.ts';
import { presentsCredentials, type GatewayAuthenticator } from './auth.ts';
import type { AuthThrottle } from './auth-throttle.ts';
import { answerInScope } from './openapi.ts';

export function authenticateEveryRequest(app: App, auth: GatewayAuthenticator, throttle: AuthThrottle, publicPaths: ReadonlySet<string>): void {
  app.addHook('onRequest', (request, reply, done) => {
    if (publicPaths.has(request.url.split('?')[0] ?? '')) {
      done();
      return;
    }
    throttle.check(request.ip);
    try {
      auth.authenticate(request.raw);
    } catch (err) {
      if (err instanceof HttpProblem && err.status === 401) {
        if (presentsCredentials(request.raw)) throttle.failed(request.ip);
        // The body is not read: the connection goes with the answer.
        reply.header('Connection', 'close');
      }
      throw err;
    }
    done();
  });
}

/** The 401 every route of the scope can answer, for the OpenAPI document. */
export function documentUnauthorized(scope: App): void {
  answerInScope(scope, () => ({
    401: problem('no valid credentials (WWW-Authenticate names the accepted schemes)', {
      'WWW-Authenticate': z.string().describe('the accepted schemes'),
    }),
    429: problem('too many failed authentication attempts from this caller (Retry-After says when to try again)', {
      'Retry-After': z.string().describe('seconds until the caller may try again'),
    }),
  }));
}
