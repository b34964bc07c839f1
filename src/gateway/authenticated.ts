// Authentication before the handler: a route of an authenticated scope runs only for a caller
// the GatewayAuthenticator accepts; anyone else gets the 401 with its challenges.
import { z } from 'zod';
import type { App } from '../http/app.ts';
import { problem } from './answers.ts';
import type { GatewayAuthenticator } from './auth.ts';
import { answerInScope } from './openapi.ts';

/** Every route declared in this scope from now on answers only an authenticated caller (401 before the handler). */
export function authenticated(scope: App, auth: GatewayAuthenticator): void {
  scope.addHook('onRequest', (request, _reply, done) => {
    auth.authenticate(request.raw);
    done();
  });
  answerInScope(scope, () => ({
    401: problem('no valid credentials (WWW-Authenticate names the accepted schemes)', {
      'WWW-Authenticate': z.string().describe('the accepted schemes'),
    }),
  }));
}

