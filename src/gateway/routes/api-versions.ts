// SOL013 §9.3 API versions of an API; no Version header is needed to discover them.
import type { App } from '../../http/app.ts';
import { ApiVersionInformation } from '../../lcmcoord/models.ts';
import { json } from '../answers.ts';
import type { Tag } from '../openapi.ts';

export function apiVersionsRoute(scope: App, tag: Tag, uriPrefix: string, version: string): void {
  const information: ApiVersionInformation = { uriPrefix, apiVersions: [{ version, isDeprecated: false }] };
  scope.get('/api_versions', {
    schema: {
      operationId: `get${tag === 'vnflcm' ? 'VnfLcm' : 'VnfPkgm'}ApiVersions`, tags: [tag],
      summary: 'API versions of this interface (no Version header needed)',
      response: { 200: json(ApiVersionInformation, 'the supported versions') },
    },
  }, () => information);
}
