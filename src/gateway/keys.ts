// One configured secret (GATEWAY_TOKEN_SECRET), one key per purpose: a value signed for one use
// (a bearer token, a paging marker) can never pass as the other, even though both are
// `<payload>.<HMAC>` and every replica derives the same keys.
import { hkdfSync } from 'node:crypto';

export type KeyPurpose = 'bearer-tokens' | 'page-markers';

export function derivedKey(secret: string, purpose: KeyPurpose): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'durable-vnfm gateway', `${purpose} v1`, 32));
}
