// Which methods a path has: Fastify answers a known path asked with another method as it
// answers an unknown one (404), while HTTP wants 405 with `Allow` (RFC 9110 §15.5.6). A second
// find-my-way router (Fastify's own, with the same options) holds every route's method and
// path, so that the not-found handler can tell the two apart with the framework's matching.
import FindMyWay from 'find-my-way';

export interface RouterMatching {
  ignoreTrailingSlash: boolean;
  ignoreDuplicateSlashes: boolean;
  maxParamLength: number;
}

/** The order `Allow` lists methods in: reads, then writes, then the rest. */
const ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE'];

export class AllowedMethods {
  private readonly router: FindMyWay.Instance<FindMyWay.HTTPVersion.V1>;
  private readonly methods = new Set<FindMyWay.HTTPMethod>();

  constructor(matching: RouterMatching) {
    this.router = FindMyWay(matching);
  }

  add(methods: string | string[], url: string): void {
    for (const method of [methods].flat() as FindMyWay.HTTPMethod[]) {
      this.router.on(method, url, () => undefined);
      this.methods.add(method);
    }
  }

  /** The methods routed at a request target (as received: encoded, maybe with a query). */
  of(target: string): string[] {
    const rank = (method: string): number => (ORDER.includes(method) ? ORDER.indexOf(method) : ORDER.length);
    return [...this.methods].filter((method) => this.router.find(method, target) !== null).sort((a, b) => rank(a) - rank(b));
  }
}
