// The OAuth 2.0 client-credentials grant (RFC 6749 §4.4): one POST to the token endpoint,
// the client authenticated by HTTP Basic with its secret, or by its TLS client certificate
// (RFC 8705 §2, then only client_id goes in the form). Errors name the endpoint and the
// client id, never the secret or a token.
import { basicAuthorization, type TokenCredentials } from './credentials.ts';
import { OutboundError } from './errors.ts';
import { displayUrl, type Answer, type OutboundRequest } from './exchange.ts';
import { TokenResponse } from './token-response.ts';

export interface IssuedToken {
  accessToken: string;
  /** From expires_in, when the endpoint gave one. */
  lifetimeMs?: number;
}

export async function requestToken(credentials: TokenCredentials, send: (req: OutboundRequest) => Promise<Answer>): Promise<IssuedToken> {
  const endpoint = `token endpoint ${displayUrl(credentials.tokenEndpoint)}`;
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' };
  if (credentials.kind === 'client-secret') headers.Authorization = basicAuthorization(credentials.clientId, credentials.clientSecret);
  else form.set('client_id', credentials.clientId);

  const answer = await send({ method: 'POST', url: credentials.tokenEndpoint, headers, body: form.toString(), what: `POST ${endpoint}` });
  if (answer.status >= 500) throw new OutboundError('server-error', `${endpoint} answered ${answer.status}`, { status: answer.status });
  if (answer.status !== 200) {
    throw new OutboundError('unauthorized', `${endpoint} refused client ${credentials.clientId} with ${answer.status}`, { status: answer.status });
  }
  const parsed = parseTokenResponse(answer.text);
  if (!parsed) throw new OutboundError('malformed', `${endpoint} returned no valid token response`, { status: answer.status });
  return { accessToken: parsed.access_token, ...(parsed.expires_in ? { lifetimeMs: parsed.expires_in * 1000 } : {}) };
}

function parseTokenResponse(text: string): TokenResponse | undefined {
  try {
    const parsed = TokenResponse.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
