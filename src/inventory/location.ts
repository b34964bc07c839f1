import { join } from 'node:path';
import type { Env } from '../config.ts';

/**
 * The inventory's path: the records live in the folder of the same name without `.json`
 * (`<DATA_DIR>/inventory/`); the file itself is where earlier versions kept the whole inventory,
 * migrated into that folder when a store is first opened (store.ts).
 */
export function inventoryFile(config: Pick<Env, 'DATA_DIR'>): string {
  return join(config.DATA_DIR, 'inventory.json');
}
