import type { KubernetesClient } from '../kubernetes/client.ts';
import type { CoordinationClient } from '../lcmcoord/client.ts';
import type { InventoryStore } from '../inventory/store.ts';
import type { NotificationClient } from '../notifications/client.ts';
import type { EgressPolicy } from '../outbound/egress.ts';
import type { SubscriptionStore } from '../notifications/store.ts';
import type { OpenStackClient } from '../openstack/client.ts';
import type { PackageRepository } from '../packages/repository.ts';
import type { SandboxPolicy } from '../scripts/sandbox.ts';
import { createEmActivities } from './em.ts';
import { withHeartbeats } from './heartbeats.ts';
import { createInventoryActivities } from './inventory.ts';
import { createKubernetesActivities } from './kubernetes.ts';
import { createLoadBalancerActivities } from './load-balancer.ts';
import { createNotificationActivities } from './notifications.ts';
import { createOpenStackActivities } from './openstack.ts';
import { createScriptActivities } from './scripts.ts';

export interface ActivityDependencies {
  coordination: CoordinationClient;
  openstack: OpenStackClient;
  /** Kubernetes VIMs, as VNF instances name them (vimConnectionInfo). */
  kubernetes: KubernetesClient;
  inventory: InventoryStore;
  subscriptions: SubscriptionStore;
  notificationClient: NotificationClient;
  /** Where coordinate scripts are found, by package id. */
  packages: PackageRepository;
  scriptSandbox: SandboxPolicy;
  /** Where a destination someone else names may be (here: the external load balancer of a Blue-Green change). */
  egress: EgressPolicy;
}

export function createActivities(deps: ActivityDependencies) {
  return {
    ...withHeartbeats(createOpenStackActivities(deps.openstack)),
    ...withHeartbeats(createEmActivities(deps.coordination)),
    ...withHeartbeats(createKubernetesActivities(deps.kubernetes)),
    ...createInventoryActivities(deps.inventory, deps.openstack.vim),
    ...createScriptActivities(deps.packages, deps.scriptSandbox),
    ...createLoadBalancerActivities(deps.packages, deps.scriptSandbox, deps.egress),
    ...createNotificationActivities(deps.subscriptions, deps.notificationClient, deps.inventory),
  };
}

export type Activities = ReturnType<typeof createActivities>;

// What workflow code may call, per external system: each workflow-side proxy is typed with one.
export type VimActivities = ReturnType<typeof createOpenStackActivities>;
export type EmActivities = ReturnType<typeof createEmActivities>;
export type KubernetesActivities = ReturnType<typeof createKubernetesActivities>;
export type ScriptActivities = ReturnType<typeof createScriptActivities>;
export type LoadBalancerActivities = ReturnType<typeof createLoadBalancerActivities>;
export type InventoryActivities = ReturnType<typeof createInventoryActivities>;
export type NotificationActivities = ReturnType<typeof createNotificationActivities>;
