// The simulator process's options, from its configuration (src/config.ts reads the environment).
import { loadVimSimulatorConfig } from '../config.ts';
import type { VimSimulatorOptions } from './server.ts';

export function vimSimulatorOptions(config = loadVimSimulatorConfig()): VimSimulatorOptions {
  return {
    host: config.VIM_HOST,
    port: config.VIM_PORT,
    stateFile: config.VIM_STATE_FILE,
    updateDelayMs: config.VIM_UPDATE_DELAY_MS,
    guestPort: config.VIM_GUEST_PORT,
    username: config.VIM_USERNAME,
    password: config.VIM_PASSWORD,
    projectName: config.VIM_PROJECT,
    adminRemote: config.VIM_ADMIN_REMOTE,
    ...(config.VIM_PUBLIC_URL ? { publicUrl: config.VIM_PUBLIC_URL } : {}),
  };
}
