// The gateway's own public routes: the OAuth 2.0 token endpoint (its clients authenticate in
// the request itself) and the OpenAPI document of the API.
import { z } from 'zod';
import { inScope, type App } from '../../http/app.ts';
import { acceptForm } from '../../http/body-parsers.ts';
import { TokenResponse } from '../../lcmcoord/models.ts';
import { json, problem } from '../answers.ts';
import { TOKEN_PATH, TokenRequest, type GatewayAuthenticator } from '../auth.ts';

export function tokenRoute(scope: App, auth: GatewayAuthenticator): void {
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
        },
      },
    }, async (request, reply) => reply.header('Cache-Control', 'no-store').send(auth.issueToken(request.raw, request.body)));
  });
}

export function openApiRoute(scope: App): void {
  scope.get('/openapi.json', {
    schema: {
      operationId: 'getOpenApiDocument', tags: ['gateway'], security: [],
      summary: 'This document',
      response: { 200: json(z.looseObject({ openapi: z.string() }), 'the OpenAPI 3.1 document') },
    },
  }, () => scope.swagger() as { openapi: string });
}
