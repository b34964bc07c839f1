// SOL003 VNF instances (vnflcm v2): what creating, instantiating, terminating and deleting one
// means, and how it is rendered. Every LCM operation is handed to the instance's entity
// workflow, which lets one run at a time.
import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { HttpProblem } from '../http/problem.ts';
import type { InventoryStore, VnfInstanceRecord } from '../inventory/store.ts';
import type {
  CreateVnfRequest, InstantiateVnfRequest, TerminateVnfRequest, VnfInfoModificationRequest, VnfInfoModifications, VnfInstance,
} from '../sol003/models.ts';
import { kubernetesVimIn } from '../kubernetes/vim-connection.ts';
import type { PackageRepository } from '../packages/repository.ts';
import { redactSecrets } from '../sol003/redact.ts';
import type { InstantiateVnfInput, ModifyVnfInfoInput, TerminateVnfInput } from '../workflows/instance-operations.ts';
import type { IdentifierNotificationDraft } from '../notifications/models.ts';
import { kubernetesInstantiateStart, kubernetesTerminateStart } from './kubernetes-requests.ts';
import {
  activeOperationQuery, identifierNotifierWorkflowId, instanceTaskQueue, operationEndedSignal, startOperationUpdate, vnfInstanceWorkflowId,
} from '../workflows/messages.ts';
import type { deliverOperationNotifications } from '../workflows/notifications.ts';
import type { StartOperation } from '../workflows/start-operation.ts';
import type { vnfInstanceLcm } from '../workflows/vnf-instance-lcm.ts';

export const VNFLCM_BASE = '/vnflcm/v2';

export interface VnfInstanceDependencies {
  client: Client;
  taskQueue: string;
  inventory: InventoryStore;
  apiRoot: string;
  log?: (line: string) => void;
}

/** A new VNF instance resource (NOT_INSTANTIATED) of an onboarded, enabled package; 422 without one. */
export async function newInstance(inventory: InventoryStore, request: CreateVnfRequest): Promise<VnfInstanceRecord> {
  const pkg = await inventory.packageByVnfdId(request.vnfdId);
  if (!pkg || pkg.onboardingState !== 'ONBOARDED' || pkg.operationalState !== 'ENABLED') {
    throw new HttpProblem(422, `no ONBOARDED and ENABLED VNF package has vnfdId ${request.vnfdId}`);
  }
  const { vnfd } = pkg;
  return {
    id: randomUUID(),
    vnfInstanceName: request.vnfInstanceName,
    vnfInstanceDescription: request.vnfInstanceDescription,
    metadata: request.metadata,
    vnfdId: vnfd.vnfdId,
    vnfProvider: vnfd.vnfProvider,
    vnfProductName: vnfd.vnfProductName,
    vnfSoftwareVersion: vnfd.vnfSoftwareVersion,
    vnfdVersion: vnfd.vnfdVersion,
    instantiationState: 'NOT_INSTANTIATED',
    vnfcResourceInfo: [],
  };
}

/**
 * Records a new VNF instance resource and, when subscriptions are served, hands its
 * VnfIdentifierCreationNotification to a notifier workflow: once this returns, the
 * notification will reach every matching subscriber, whatever stops. If the hand-over fails
 * (Temporal unreachable), the instance is not kept either, and the caller gets the error.
 */
export async function createInstance(deps: VnfInstanceDependencies & { notify: boolean }, record: VnfInstanceRecord): Promise<void> {
  await deps.inventory.putInstance(record);
  if (!deps.notify) return;
  try {
    await announceIdentifier(deps, record, 'creation');
  } catch (err) {
    await deps.inventory.deleteInstance(record.id);
    throw err;
  }
}

/**
 * Deletes a VNF instance resource; 409 while it is instantiated or an operation holds it. The
 * VnfIdentifierDeletionNotification is handed over first: the record goes only once it is.
 */
export async function deleteInstance(deps: VnfInstanceDependencies & { notify: boolean }, instance: VnfInstanceRecord): Promise<void> {
  if (instance.instantiationState !== 'NOT_INSTANTIATED') {
    throw new HttpProblem(409, `VNF instance ${instance.id} is ${instance.instantiationState}; terminate it before deleting it`);
  }
  const active = await activeOperation(deps.client, instance.id);
  if (active) throw new HttpProblem(409, `VNF instance ${instance.id} has operation ${active} in progress or in FAILED_TEMP`);
  if (deps.notify) await announceIdentifier(deps, instance, 'deletion');
  await deps.inventory.deleteInstance(instance.id);
}

/** Starts the notifier of the instance's creation or deletion, with its one notification (SOL003 §5.5.2.18–19). */
async function announceIdentifier(deps: VnfInstanceDependencies, instance: VnfInstanceRecord, event: 'creation' | 'deletion'): Promise<void> {
  const { vnfdId, vnfProvider, vnfProductName, vnfSoftwareVersion, vnfdVersion, vnfInstanceName } = instance;
  const notification: IdentifierNotificationDraft = {
    id: randomUUID(),
    notificationType: event === 'creation' ? 'VnfIdentifierCreationNotification' : 'VnfIdentifierDeletionNotification',
    timeStamp: new Date().toISOString(),
    vnfInstanceId: instance.id,
    _links: { vnfInstance: { href: `${deps.apiRoot}${VNFLCM_BASE}/vnf_instances/${instance.id}` } },
    instance: { vnfdId, vnfProvider, vnfProductName, vnfSoftwareVersion, vnfdVersion, ...(vnfInstanceName !== undefined ? { vnfInstanceName } : {}) },
  };
  await deps.client.workflow.start<typeof deliverOperationNotifications>('deliverOperationNotifications', {
    workflowId: identifierNotifierWorkflowId(instance.id, event),
    taskQueue: deps.taskQueue,
    args: [{ initial: [notification] }],
    // A repeated request (a client retrying) finds the notifier there and sends nothing twice.
    workflowIdConflictPolicy: 'USE_EXISTING',
    staticSummary: `${notification.notificationType} of VNF instance ${instance.id}`,
  });
}

/** The start of an instantiate operation, or the 409/422 that refuses it. */
export async function instantiateStart(
  deps: Pick<VnfInstanceDependencies, 'inventory' | 'apiRoot'> & { packages?: PackageRepository }, instance: VnfInstanceRecord, request: InstantiateVnfRequest,
): Promise<StartOperation> {
  if (instance.instantiationState !== 'NOT_INSTANTIATED') throw new HttpProblem(409, `VNF instance ${instance.id} is INSTANTIATED already`);
  // A Kubernetes VIM in vimConnectionInfo: the package's manifests are created there (kubernetes-requests.ts).
  const kubernetesVim = kubernetesVimIn(request.vimConnectionInfo);
  if (kubernetesVim) return kubernetesInstantiateStart(deps, instance, request, kubernetesVim);
  const pkg = await deps.inventory.packageByVnfdId(instance.vnfdId);
  if (!pkg) throw new HttpProblem(422, `the VNF package of vnfdId ${instance.vnfdId} is no longer onboarded`);
  const layout = request.additionalParams?.vdu_layout ?? {};
  for (const vduId of Object.keys(layout)) {
    if (!pkg.vnfd.vdus[vduId]) throw new HttpProblem(422, `additionalParams.vdu_layout names ${vduId}, which the VNFD ${pkg.vnfd.vnfdId} does not define`);
  }
  const opId = randomUUID();
  const input: InstantiateVnfInput = {
    vnfLcmOpOccId: opId, vnfInstanceId: instance.id, request, links: operationLinks(deps.apiRoot, instance.id, opId),
    vnfd: identityOf(instance),
    stackName: `vnf-${instance.id}`,
    flavourId: request.flavourId,
    vdus: Object.entries(pkg.vnfd.vdus).map(([vduId, vdu]) => ({ vduId, count: layout[vduId] ?? 1, ...vdu })),
  };
  return {
    kind: 'INSTANTIATE', vnfLcmOpOccId: opId, input,
    staticSummary: `instantiate VNF ${instance.id} (${instance.vnfProductName} ${instance.vnfSoftwareVersion})`,
  };
}

/** The start of a terminate operation, or the 409 that refuses it. */
export function terminateStart(apiRoot: string, instance: VnfInstanceRecord, request: TerminateVnfRequest): StartOperation {
  if (instance.kubernetes) return kubernetesTerminateStart(apiRoot, instance, request);
  if (instance.instantiationState !== 'INSTANTIATED' || !instance.stack) {
    throw new HttpProblem(409, `VNF instance ${instance.id} is ${instance.instantiationState}; terminate needs INSTANTIATED`);
  }
  const opId = randomUUID();
  const input: TerminateVnfInput = {
    vnfLcmOpOccId: opId, vnfInstanceId: instance.id, request, links: operationLinks(apiRoot, instance.id, opId),
    vnfd: identityOf(instance), stack: instance.stack,
  };
  return { kind: 'TERMINATE', vnfLcmOpOccId: opId, input, staticSummary: `terminate VNF ${instance.id}` };
}

/**
 * The start of a MODIFY_INFO operation, or the 422 that refuses it: in any instantiation state,
 * as SOL003 allows. A new vnfdId must be of an onboarded, enabled package; it changes the
 * instance's package identity only (nothing on the VIM changes, as in Tacker).
 */
export async function modifyInfoStart(
  deps: Pick<VnfInstanceDependencies, 'inventory' | 'apiRoot'>, instance: VnfInstanceRecord, request: VnfInfoModificationRequest,
): Promise<StartOperation> {
  const unsupported = (['vimConnectionInfo', 'vimConnectionInfoDeleteIds', 'vnfcInfoModifications', 'vnfcInfoModificationsDeleteIds'] as const)
    .filter((key) => request[key] !== undefined);
  if (unsupported.length > 0) {
    throw new HttpProblem(422, `${unsupported.join(', ')} cannot be modified here: the VNFM drives the VIM it is configured with, and its VNFCs have no configurable properties`);
  }
  const changes: VnfInfoModifications = Object.fromEntries((['vnfInstanceName', 'vnfInstanceDescription', 'vnfConfigurableProperties', 'metadata', 'extensions'] as const)
    .filter((key) => request[key] !== undefined).map((key) => [key, request[key]]));
  if (request.vnfdId !== undefined && request.vnfdId !== instance.vnfdId) {
    const pkg = await deps.inventory.packageByVnfdId(request.vnfdId);
    if (!pkg || pkg.onboardingState !== 'ONBOARDED' || pkg.operationalState !== 'ENABLED') {
      throw new HttpProblem(422, `no ONBOARDED and ENABLED VNF package has vnfdId ${request.vnfdId}`);
    }
    const { vnfdId, vnfProvider, vnfProductName, vnfSoftwareVersion, vnfdVersion } = pkg.vnfd;
    Object.assign(changes, { vnfdId, vnfProvider, vnfProductName, vnfSoftwareVersion, vnfdVersion });
  }
  const opId = randomUUID();
  const input: ModifyVnfInfoInput = {
    vnfLcmOpOccId: opId, vnfInstanceId: instance.id, request, links: operationLinks(deps.apiRoot, instance.id, opId),
    vnfd: identityOf(instance), changes,
  };
  return { kind: 'MODIFY_INFO', vnfLcmOpOccId: opId, input, staticSummary: `modify the information of VNF ${instance.id}` };
}

export function opOccUrl(apiRoot: string, opId: string): string {
  return `${apiRoot}${VNFLCM_BASE}/vnf_lcm_op_occs/${opId}`;
}

function operationLinks(apiRoot: string, instanceId: string, opId: string): { vnfLcmOpOcc: string; vnfInstance: string } {
  return { vnfLcmOpOcc: opOccUrl(apiRoot, opId), vnfInstance: `${apiRoot}${VNFLCM_BASE}/vnf_instances/${instanceId}` };
}

/**
 * Hands an operation to the instance's entity workflow (started on first use). The entity
 * refuses it while another operation holds the instance: that refusal is the 409.
 */
export async function startOperation(
  deps: Pick<VnfInstanceDependencies, 'client' | 'taskQueue' | 'log'>, vnfInstanceId: string, start: StartOperation,
): Promise<void> {
  // A with-start operation is single-use: each submission gets its own. Resolves to the
  // entity's refusal, or undefined once the operation started.
  // The entity runs on its own queue (admission never waits behind the operations' backlog); the
  // operation runs on the VNFM's.
  const submit = (): Promise<string | undefined> => deps.client.workflow.executeUpdateWithStart(startOperationUpdate, {
    args: [{ ...start, operationTaskQueue: deps.taskQueue }],
    startWorkflowOperation: new WithStartWorkflowOperation<typeof vnfInstanceLcm>('vnfInstanceLcm', {
      workflowId: vnfInstanceWorkflowId(vnfInstanceId),
      taskQueue: instanceTaskQueue(deps.taskQueue),
      args: [{ vnfInstanceId, operationsStarted: 0, onAdmissionQueue: true }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      staticSummary: `LCM operations of VNF instance ${vnfInstanceId}, one at a time`,
    }),
  }).then(() => undefined, (err: unknown) => {
    if (err instanceof WorkflowUpdateFailedError) return err.cause?.message ?? err.message;
    throw err;
  });
  let refusal = await submit();
  if (refusal !== undefined && (await releaseEndedOperation(deps, vnfInstanceId))) refusal = await submit();
  if (refusal !== undefined) throw new HttpProblem(409, refusal);
  deps.log?.(`${start.kind} ${start.vnfLcmOpOccId} started for VNF instance ${vnfInstanceId}`);
}

/**
 * An operation workflow frees its instance when it reaches a final state. One that never got
 * there (terminated or timed out by an administrator in Temporal) cannot: when the entity names
 * an operation whose workflow is closed, the instance is freed on its behalf. True if it was.
 */
async function releaseEndedOperation(deps: Pick<VnfInstanceDependencies, 'client' | 'log'>, vnfInstanceId: string): Promise<boolean> {
  const active = await activeOperation(deps.client, vnfInstanceId);
  if (!active) return false;
  const status = await deps.client.workflow.getHandle(active).describe().then((d) => d.status.name, () => undefined);
  if (status === undefined || status === 'RUNNING') return false; // FAILED_TEMP is RUNNING: it holds the instance
  await deps.client.workflow.getHandle(vnfInstanceWorkflowId(vnfInstanceId)).signal(operationEndedSignal, { vnfLcmOpOccId: active });
  deps.log?.(`operation ${active} of VNF instance ${vnfInstanceId} ended ${status} without freeing the instance; freed it`);
  return true;
}

async function activeOperation(client: Client, vnfInstanceId: string): Promise<string | undefined> {
  try {
    return await client.workflow.getHandle(vnfInstanceWorkflowId(vnfInstanceId)).query(activeOperationQuery);
  } catch {
    return undefined; // no entity yet: no operation ever ran
  }
}

export async function instanceOrThrow(inventory: InventoryStore, id: string): Promise<VnfInstanceRecord> {
  const instance = await inventory.instance(id);
  if (!instance) throw new HttpProblem(404, `VNF instance ${id} does not exist`);
  return instance;
}

function identityOf(instance: VnfInstanceRecord): InstantiateVnfInput['vnfd'] {
  const { vnfdId, vnfProvider, vnfProductName, vnfSoftwareVersion, vnfdVersion } = instance;
  return { vnfdId, vnfProvider, vnfProductName, vnfSoftwareVersion, vnfdVersion };
}

export function renderVnfInstance(instance: VnfInstanceRecord, apiRoot: string): VnfInstance {
  const self = `${apiRoot}${VNFLCM_BASE}/vnf_instances/${instance.id}`;
  const instantiated = instance.instantiationState === 'INSTANTIATED';
  // Key-value maps are the user's; a secret-named key in them is shown redacted, as everywhere.
  const present = <K extends keyof VnfInstanceRecord>(key: K) => (instance[key] !== undefined ? { [key]: redactSecrets(instance[key]) } : {});
  const k8s = instance.kubernetes;
  return {
    id: instance.id,
    ...(instance.vnfInstanceName ? { vnfInstanceName: instance.vnfInstanceName } : {}),
    ...present('vnfInstanceDescription'),
    vnfdId: instance.vnfdId,
    vnfProvider: instance.vnfProvider,
    vnfProductName: instance.vnfProductName,
    vnfSoftwareVersion: instance.vnfSoftwareVersion,
    vnfdVersion: instance.vnfdVersion,
    ...present('vnfConfigurableProperties'),
    ...(instantiated ? present('vimConnectionInfo') : {}),
    instantiationState: instance.instantiationState,
    ...(k8s ? { vimConnectionInfo: { [k8s.vimKey]: redactSecrets(k8s.vim) } } : {}),
    ...(instantiated ? { instantiatedVnfInfo: instantiatedVnfInfo(instance) } : {}),
    ...present('metadata'),
    ...present('extensions'),
    _links: {
      self: { href: self },
      ...(instantiated
        ? { terminate: { href: `${self}/terminate` }, changeVnfPkg: { href: `${self}/change_vnfpkg` } }
        : { instantiate: { href: `${self}/instantiate` } }),
    },
  };
}

/** The VNFCs twice, as SOL003 has them: their resources (vnfcResourceInfo) and the VNFC itself (vnfcInfo). */
function instantiatedVnfInfo(instance: VnfInstanceRecord): NonNullable<VnfInstance['instantiatedVnfInfo']> {
  const vimConnectionId = instance.vnfcResourceInfo[0]?.computeResource.vimConnectionId;
  return {
    flavourId: instance.flavourId ?? 'simple',
    vnfState: 'STARTED',
    vnfcResourceInfo: instance.vnfcResourceInfo,
    vnfcInfo: instance.vnfcResourceInfo.map((vnfc) => ({ id: `${vnfc.vduId}-${vnfc.id}`, vduId: vnfc.vduId, vnfcResourceInfoId: vnfc.id, vnfcState: 'STARTED' as const })),
    // Where the VNF's objects are on a Kubernetes VIM: its namespace and the manifests they came from.
    ...(instance.kubernetes ? { metadata: { namespace: instance.kubernetes.namespace, 'lcm-kubernetes-def-files': instance.kubernetes.defFiles } } : {}),
    // The Heat stack that holds the VNF's resources, as a resource handle of the same VIM.
    ...(instance.stack ? {
      metadata: { stack: { ...(vimConnectionId ? { vimConnectionId } : {}), resourceId: instance.stack.id, vimLevelResourceType: 'OS::Heat::Stack', name: instance.stack.name } },
    } : {}),
  };
}
