import { join } from 'node:path';
import type { Env } from '../config.ts';

export function inventoryFile(config: Pick<Env, 'DATA_DIR'>): string {
  return join(config.DATA_DIR, 'inventory.json');
}
