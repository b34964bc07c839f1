// Paging markers (SOL013 §5.4.2.3 nextpage_opaque_marker) are Temporal page tokens signed by the
// gateway: a marker it did not issue is a 400 at once, instead of a token Temporal chokes on.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { HttpProblem } from '../http/problem.ts';
import { derivedKey } from './keys.ts';

export class PageMarkers {
  private readonly key: Buffer;
  /** `secret`: the gateway's secret, shared between replicas (default: random per process); markers get a key of their own. */
  constructor(secret?: string) {
    this.key = derivedKey(secret ?? randomBytes(32).toString('base64url'), 'page-markers');
  }

  seal(token: Uint8Array): string {
    const body = Buffer.from(token).toString('base64url');
    return `${body}.${this.sign(body)}`;
  }

  open(marker: string | undefined): Uint8Array | undefined {
    if (marker === undefined) return undefined;
    const [body = '', signature = ''] = marker.split('.');
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(signature);
    if (!body || expected.length !== given.length || !timingSafeEqual(expected, given)) {
      throw new HttpProblem(400, 'nextpage_opaque_marker is not a marker this API issued (take it from the Link header of the previous page)');
    }
    return Buffer.from(body, 'base64url');
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}
