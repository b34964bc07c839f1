// Which credentials the VNFM presents to an EM: SOL002's authentication parameters (the
// SubscriptionAuthentication shape in the per-VNFC parameters) read as the outbound kit's
// credentials. Tokens, Basic and mutual TLS themselves are the kit's (src/outbound/).
import type { Credentials } from '../outbound/credentials.ts';
import { OutboundError } from '../outbound/errors.ts';
import type { EmAuthentication } from './models.ts';

/** Chooses the strongest authType the parameters allow: CERT, then CREDENTIALS, then BASIC. */
export function resolveAuth(auth: EmAuthentication | undefined): Credentials {
  if (!auth) return { kind: 'none' };
  const types = new Set(auth.authType);
  const cert = auth.paramsOauth2ClientCert;
  if (types.has('OAUTH2_CLIENT_CERT') && cert) {
    return { kind: 'client-certificate', tokenEndpoint: cert.tokenEndpoint, clientId: cert.clientId, thumbprint: cert.certificateRef.value };
  }
  const creds = auth.paramsOauth2ClientCredentials;
  if (types.has('OAUTH2_CLIENT_CREDENTIALS') && creds?.tokenEndpoint && creds.clientId && creds.clientPassword !== undefined) {
    return { kind: 'client-secret', tokenEndpoint: creds.tokenEndpoint, clientId: creds.clientId, clientSecret: creds.clientPassword };
  }
  const basic = auth.paramsBasic;
  if (types.has('BASIC') && basic?.userName !== undefined && basic.password !== undefined) {
    return { kind: 'basic', userName: basic.userName, password: basic.password };
  }
  throw new OutboundError('misconfigured', `authentication lists ${auth.authType.join(', ')} but gives no usable parameters for any of them`);
}
