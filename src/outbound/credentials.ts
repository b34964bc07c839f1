// How a request proves who sends it, once a protocol has read its own authentication
// parameters: nothing, HTTP Basic, or an OAuth 2.0 client-credentials token obtained with a
// client secret (RFC 6749 §4.4) or with the TLS client certificate (RFC 8705).
import { createHash, X509Certificate } from 'node:crypto';

export type TokenCredentials =
  | { kind: 'client-secret'; tokenEndpoint: string; clientId: string; clientSecret: string }
  /** `thumbprint`: x5t#S256 of the certificate the token is bound to; it must be the configured one. */
  | { kind: 'client-certificate'; tokenEndpoint: string; clientId: string; thumbprint: string };

export type Credentials =
  | { kind: 'none' }
  | { kind: 'basic'; userName: string; password: string }
  | TokenCredentials;

export const NO_CREDENTIALS: Credentials = { kind: 'none' };

export function isTokenCredentials(credentials: Credentials): credentials is TokenCredentials {
  return credentials.kind === 'client-secret' || credentials.kind === 'client-certificate';
}

export function basicAuthorization(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** x5t#S256 (RFC 7515 §4.1.8): base64url, unpadded SHA-256 of the certificate's DER. */
export function certificateThumbprint(certPem: string): string {
  return createHash('sha256').update(new X509Certificate(certPem).raw).digest('base64url');
}
