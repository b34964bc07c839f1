// Process entry of the reference EM: `npx tsx src/em/main.ts`. Configuration comes from the
// environment, is validated once here and passed down.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
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

const Env = z
  .object({
    EM_HOST: z.string().default('127.0.0.1'),
    EM_PORT: z.coerce.number().int().min(0).max(65535).default(6789),
    EM_CONFIG: z.string().optional(),
    EM_AUTH_METHODS: AuthMethodList.optional(),
    EM_BASIC_USER: z.string().default('tacker'),
    EM_BASIC_PASSWORD: z.string().default('tacker'),
    EM_OAUTH2_CLIENT_ID: z.string().default('tacker'),
    EM_OAUTH2_CLIENT_SECRET: z.string().default('tacker'),
    EM_TOKEN_LIFETIME_SECONDS: z.coerce.number().positive().default(3600),
    EM_TLS_CERT: z.string().optional(),
    EM_TLS_KEY: z.string().optional(),
    EM_TLS_CA: z.string().optional(),
  })
  .refine((env) => (env.EM_TLS_CERT === undefined) === (env.EM_TLS_KEY === undefined), {
    message: 'EM_TLS_CERT and EM_TLS_KEY go together',
    path: ['EM_TLS_CERT'],
  })
  .refine((env) => env.EM_TLS_CA === undefined || env.EM_TLS_CERT !== undefined, {
    message: 'EM_TLS_CA (mutual TLS) needs EM_TLS_CERT and EM_TLS_KEY',
    path: ['EM_TLS_CA'],
  });
type Env = z.infer<typeof Env>;

function readEnv(): Env {
  // An empty variable means "not set", as in most shells' `VAR= command`.
  const given = Object.fromEntries(Object.entries(process.env).filter(([, value]) => value !== ''));
  const parsed = Env.safeParse(given);
  if (!parsed.success) throw new Error(`invalid environment: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

/** JSON is YAML 1.2, so one parser reads both kinds of file. */
function readBehaviourFile(path: string): BehaviourConfig {
  const parsed = BehaviourConfig.safeParse(parseYaml(readFileSync(path, 'utf8')) ?? {});
  if (!parsed.success) throw new Error(`invalid behaviour config ${path}: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

function optionsOf(env: Env): ReferenceEmOptions {
  const methods: AuthMethod[] | undefined = env.EM_AUTH_METHODS;
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
  const em = await startReferenceEm(optionsOf(readEnv()));
  console.log(`reference EM listening on ${em.url}`);
  const stop = () => void em.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`reference EM failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
