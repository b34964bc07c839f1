// The simulator process's configuration, read once from the environment and validated.
import { z } from 'zod';
import { describeZodError } from '../http/problem.ts';
import type { VimSimulatorOptions } from './server.ts';

const VimSimulatorEnv = z.object({
  VIM_HOST: z.string().min(1).default('127.0.0.1'),
  VIM_PORT: z.coerce.number().int().min(0).max(65535).default(9891),
  VIM_STATE_FILE: z.string().min(1).default('.data/vim-state.json'),
  VIM_UPDATE_DELAY_MS: z.coerce.number().int().min(0).default(2000),
  VIM_USERNAME: z.string().min(1).default('admin'),
  VIM_PASSWORD: z.string().min(1).default('admin'),
  VIM_PROJECT: z.string().min(1).default('admin'),
  /** Set when clients reach the simulator through another address (a container name, a proxy). */
  VIM_PUBLIC_URL: z.url().optional(),
  /** Let non-loopback clients use the admin API (a private container network); off by default. */
  VIM_ADMIN_REMOTE: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
});

export function vimSimulatorOptionsFromEnv(env: NodeJS.ProcessEnv): VimSimulatorOptions {
  const parsed = VimSimulatorEnv.safeParse(env);
  if (!parsed.success) throw new Error(`invalid VIM simulator configuration: ${describeZodError(parsed.error)}`);
  const config = parsed.data;
  return {
    host: config.VIM_HOST,
    port: config.VIM_PORT,
    stateFile: config.VIM_STATE_FILE,
    updateDelayMs: config.VIM_UPDATE_DELAY_MS,
    username: config.VIM_USERNAME,
    password: config.VIM_PASSWORD,
    projectName: config.VIM_PROJECT,
    adminRemote: config.VIM_ADMIN_REMOTE,
    ...(config.VIM_PUBLIC_URL ? { publicUrl: config.VIM_PUBLIC_URL } : {}),
  };
}
