// Process entry of the reference EM: `npx tsx src/em/main.ts`. Configuration comes from the
// environment through src/config.ts, validated once and passed down.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { loadReferenceEmConfig } from '../config.ts';
import { describeZodError } from '../http/problem.ts';
import { AUTH_METHODS, type AuthMethod } from './auth.ts';
import { BehaviourConfig } from './behaviour.ts';
import { startReferenceEm, type ReferenceEmOptions } from './server.ts';

const AuthMethodList = z
  .string()
  .transform((text) => text.split(',').map((method) => method.trim().toUpperCase()).filter(Boolean))
  // NONE leaves the API open (no authentication at all).
  .transform((methods) => (methods.length === 1 && methods[0] === 'NONE' ? [] : methods))
  .pipe(z.array(z.enum(AUTH_METHODS)));

type Env = ReturnType<typeof loadReferenceEmConfig>;

function authMethods(text: string): AuthMethod[] {
  const parsed = AuthMethodList.safeParse(text);
  if (!parsed.success) throw new Error(`invalid reference EM configuration: EM_AUTH_METHODS: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

/** JSON is YAML 1.2, so one parser reads both kinds of file. */
function readBehaviourFile(path: string): BehaviourConfig {
  const parsed = BehaviourConfig.safeParse(parseYaml(readFileSync(path, 'utf8')) ?? {});
  if (!parsed.success) throw new Error(`invalid behaviour config ${path}: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

function optionsOf(env: Env): ReferenceEmOptions {
  const methods: AuthMethod[] | undefined = env.EM_AUTH_METHODS === undefined ? undefined : authMethods(env.EM_AUTH_METHODS);
  return {
    host: env.EM_HOST,
    port: env.EM_PORT,
    ...(env.EM_CONFIG !== undefined && { behaviour: readBehaviourFile(env.EM_CONFIG) }),
    auth: {
      ...(methods && { methods }),
      basic: { userName: env.EM_BASIC_USER, password: env.EM_BASIC_PASSWORD },
      oauth2: {
        clientId: env.EM_OAUTH2_CLIENT_ID,
        clientSecret: env.EM_OAUTH2_CLIENT_SECRET,
        tokenLifetimeSeconds: env.EM_TOKEN_LIFETIME_SECONDS,
      },
    },
    ...(env.EM_TLS_CERT !== undefined && env.EM_TLS_KEY !== undefined && {
      tls: {
        cert: readFileSync(env.EM_TLS_CERT),
        key: readFileSync(env.EM_TLS_KEY),
        ...(env.EM_TLS_CA !== undefined && { ca: readFileSync(env.EM_TLS_CA) }),
      },
    }),
  };
}

async function main(): Promise<void> {
  const em = await startReferenceEm(optionsOf(loadReferenceEmConfig()));
  console.log(`reference EM listening on ${em.url}`);
  const stop = () => void em.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`reference EM failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
