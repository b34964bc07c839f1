// SOL013 §9.3 API versions of an API, at both places SOL013 puts them: under the API's name
// (`/vnflcm/api_versions`, uriPrefix `/vnflcm`: python-tackerclient's `vnflcm versions` reads it)
// and under its major version (`/vnflcm/v2/api_versions`). No Version header is needed to
// discover versions.
import type { App } from '../../http/app.ts';
import { ApiVersionInformation } from '../../lcmcoord/models.ts';
import { json } from '../answers.ts';
import type { Tag } from '../openapi.ts';

/** Declares `GET {uriPrefix}/api_versions` in a scope without a prefix of its own. */
export function apiVersionsRoute(scope: App, tag: Tag, uriPrefix: string, version: string): void {
  const information: ApiVersionInformation = { uriPrefix, apiVersions: [{ version, isDeprecated: false }] };
  const name = tag === 'vnflcm' ? 'VnfLcm' : 'VnfPkgm';
  const major = uriPrefix.split('/').length > 2;
  scope.get(`${uriPrefix}/api_versions`, {
    schema: {
      operationId: `get${name}ApiVersions${major ? '' : 'OfTheApi'}`, tags: [tag],
      summary: `API versions ${major ? 'of this major version' : 'of this API, every major version'} (no Version header needed)`,
      response: { 200: json(ApiVersionInformation, 'the supported versions') },
    },
  }, () => information);
}
