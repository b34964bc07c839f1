import type { CoordinationClient } from '../lcmcoord/client.ts';
import type { InventoryStore } from '../inventory/store.ts';
import type { OpenStackClient } from '../openstack/client.ts';
import { createEmActivities } from './em.ts';
import { createInventoryActivities } from './inventory.ts';
import { createOpenStackActivities } from './openstack.ts';
import { createScriptActivities } from './scripts.ts';

export interface ActivityDependencies {
  coordination: CoordinationClient;
  openstack: OpenStackClient;
  inventory: InventoryStore;
}

export function createActivities(deps: ActivityDependencies) {
  return {
    ...createOpenStackActivities(deps.openstack),
    ...createEmActivities(deps.coordination),
    ...createInventoryActivities(deps.inventory),
    ...createScriptActivities(),
  };
}

export type Activities = ReturnType<typeof createActivities>;
