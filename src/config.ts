// Configuration of every durable-vnfm process, read from the environment once and validated;
// the parts are passed down, nothing deeper reads process.env.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { describeZodError } from './http/problem.ts';
import { PROJECT_ROOT } from './temporal-cli.ts';

const port = z.coerce.number().int().min(0).max(65535);
const optionalFile = z.string().min(1).optional();

export const Env = z.object({
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('vnflcm'),
  DATA_DIR: z.string().default(join(PROJECT_ROOT, '.data')),

  GATEWAY_HOST: z.string().default('127.0.0.1'),
  GATEWAY_PORT: port.default(9890),
  /** Public base URL of the gateway (for Location headers and _links); derived from host:port when unset. */
  GATEWAY_API_ROOT: z.url().optional(),

  VIM_AUTH_URL: z.url().default('http://127.0.0.1:9891/identity/v3'),
  VIM_USERNAME: z.string().default('admin'),
  VIM_PASSWORD: z.string().default('admin'),
  VIM_PROJECT: z.string().default('admin'),
  VIM_CA_FILE: optionalFile,

  /** Extra CA(s) trusted for the EM and its token endpoints, besides the system's. */
  EM_CA_FILE: optionalFile,
  /** Client certificate and key for OAUTH2_CLIENT_CERT (mutual TLS to the EM and its token endpoint). */
  EM_CLIENT_CERT_FILE: optionalFile,
  EM_CLIENT_KEY_FILE: optionalFile,
  EM_REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  /** Coordination action used when the destination VNFD declares none. */
  DEFAULT_COORDINATION_ACTION: z.string().min(1).default('prv.tacker_organization.coordination_test'),
});
export type Env = z.infer<typeof Env>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Env {
  const parsed = Env.safeParse(env);
  if (!parsed.success) throw new Error(`invalid configuration: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

export function readOptionalFile(path: string | undefined): string | undefined {
  return path === undefined ? undefined : readFileSync(path, 'utf8');
}

export function gatewayApiRoot(config: Env): string {
  return config.GATEWAY_API_ROOT ?? `http://${config.GATEWAY_HOST}:${config.GATEWAY_PORT}`;
}
