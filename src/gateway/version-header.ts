// SOL013 §4.9: every request of an API names the version it speaks in the Version header;
// missing is a 400, another major version a 406. Checked before the body is read.
import { z } from 'zod';
import type { App } from '../http/app.ts';
import { HttpProblem } from '../http/problem.ts';
import { problem } from './answers.ts';
import { answerInScope } from './openapi.ts';

/** Every route declared in this scope from now on requires a Version of the same major as `version`. */
export function versioned(scope: App, version: string): void {
  const major = version.split('.')[0] ?? '';
  const accepted = new RegExp(`^${major}\\.\\d+\\.\\d+$`);
  const headers = z.looseObject({
    version: z.string().regex(accepted).meta({ description: `the API version (SOL013 §4.9): ${version}, or any ${major}.x.y`, examples: [version] }),
  });
  scope.addHook('onRoute', (route) => {
    route.schema = { ...route.schema, headers };
  });
  answerInScope(scope, () => ({
    400: problem('the Version header is missing, or a parameter or the body is invalid'),
    406: problem('the API version named in the Version header is not supported'),
  }));
  scope.addHook('onRequest', (request, _reply, done) => {
    const given = request.headers.version;
    if (given === undefined || given === '') throw new HttpProblem(400, `the Version header is missing; this API is version ${version}`);
    if (typeof given !== 'string' || !accepted.test(given.trim())) {
      throw new HttpProblem(406, `API version ${String(given)} is not supported; supported: ${version}`);
    }
    done();
  });
}
