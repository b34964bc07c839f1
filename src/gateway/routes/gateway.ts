// The gateway's own public routes: the OAuth 2.0 token endpoint (its clients authenticate in
// the request itself) and the OpenAPI document of the API.
import { z } from 'zod';
import { inScope, type App } from '../../http/app.ts';
import { acceptForm } from '../../http/body-parsers.ts';
import { TokenResponse } from '../../lcmcoord/models.ts';
import { json, problem } from '../answers.ts';
import { HttpProblem } from '../../http/problem.ts';
import { TOKEN_PATH, TokenRequest, type GatewayAuthenticator } from '../auth.ts';
import type { AuthThrottle } from '../auth-throttle.ts';

export const OPENAPI_PATH = '/openapi.json';

/** Its callers authenticate in the request itself, and are throttled like every caller after failed attempts. */
export function tokenRoute(scope: App, auth: GatewayAuthenticator, throttle: AuthThrottle): void {
  inScope(scope, (form) => {
    acceptForm(form);
    form.post(TOKEN_PATH, {
      schema: {
        operationId: 'issueToken', tags: ['gateway'], security: [],
        summary: 'OAuth 2.0 client-credentials token endpoint (client authentication by HTTP Basic)',
        consumes: ['application/x-www-form-urlencoded'],
        body: TokenRequest,
        response: {
          200: json(TokenResponse, 'a bearer token for the API'),
          400: problem('grant_type is not client_credentials'),
          401: problem('the client credentials are not valid'),
          429: problem('too many failed attempts from this caller'),
        },
      },
    }, async (request, reply) => {
      throttle.check(request.ip);
      try {
        return await reply.header('Cache-Control', 'no-store').send(auth.issueToken(request.raw, request.body));
      } catch (err) {
        if (err instanceof HttpProblem && err.status === 401) throttle.failed(request.ip);
        throw err;
      }
    });
  });
}

export function openApiRoute(scope: App): void {
  scope.get(OPENAPI_PATH, {
    schema: {
      operationId: 'getOpenApiDocument', tags: ['gateway'], security: [],
      summary: 'This document',
      response: { 200: json(z.looseObject({ openapi: z.string() }), 'the OpenAPI 3.1 document') },
    },
  }, () => scope.swagger() as { openapi: string });
}
