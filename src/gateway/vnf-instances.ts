// SOL003 VNF instances (vnflcm v2): what creating, instantiating, terminating and deleting one
// means, and how it is rendered. Every LCM operation is handed to the instance's entity
// workflow, which lets one run at a time.
import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { HttpProblem } from '../http/problem.ts';
import type { InventoryStore, VnfInstanceRecord } from '../inventory/store.ts';
import type { CreateVnfRequest, InstantiateVnfRequest, TerminateVnfRequest, VnfInstance } from '../sol003/models.ts';
import type { InstantiateVnfInput, TerminateVnfInput } from '../workflows/instance-operations.ts';
import {
  activeOperationQuery, instanceTaskQueue, operationEndedSignal, startOperationUpdate, vnfInstanceWorkflowId,
} from '../workflows/messages.ts';
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
export function newInstance(inventory: InventoryStore, request: CreateVnfRequest): VnfInstanceRecord {
  const pkg = inventory.packageByVnfdId(request.vnfdId);
  if (!pkg || pkg.onboardingState !== 'ONBOARDED' || pkg.operationalState !== 'ENABLED') {
    throw new HttpProblem(422, `no ONBOARDED and ENABLED VNF package has vnfdId ${request.vnfdId}`);
  }
  const { vnfd } = pkg;
  return {
    id: randomUUID(),
    vnfInstanceName: request.vnfInstanceName,
    vnfdId: vnfd.vnfdId,
    vnfProvider: vnfd.vnfProvider,
    vnfProductName: vnfd.vnfProductName,
    vnfSoftwareVersion: vnfd.vnfSoftwareVersion,
    vnfdVersion: vnfd.vnfdVersion,
    instantiationState: 'NOT_INSTANTIATED',
    vnfcResourceInfo: [],
  };
}

/** Deletes a VNF instance resource; 409 while it is instantiated or an operation holds it. */
export async function deleteInstance(deps: Pick<VnfInstanceDependencies, 'client' | 'inventory'>, instance: VnfInstanceRecord): Promise<void> {
  if (instance.instantiationState !== 'NOT_INSTANTIATED') {
    throw new HttpProblem(409, `VNF instance ${instance.id} is ${instance.instantiationState}; terminate it before deleting it`);
  }
  const active = await activeOperation(deps.client, instance.id);
  if (active) throw new HttpProblem(409, `VNF instance ${instance.id} has operation ${active} in progress or in FAILED_TEMP`);
  deps.inventory.deleteInstance(instance.id);
}

/** The start of an instantiate operation, or the 409/422 that refuses it. */
export function instantiateStart(deps: Pick<VnfInstanceDependencies, 'inventory' | 'apiRoot'>, instance: VnfInstanceRecord, request: InstantiateVnfRequest): StartOperation {
  if (instance.instantiationState !== 'NOT_INSTANTIATED') throw new HttpProblem(409, `VNF instance ${instance.id} is INSTANTIATED already`);
  const pkg = deps.inventory.packageByVnfdId(instance.vnfdId);
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

export function instanceOrThrow(inventory: InventoryStore, id: string): VnfInstanceRecord {
  const instance = inventory.instance(id);
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
  return {
    id: instance.id,
    ...(instance.vnfInstanceName ? { vnfInstanceName: instance.vnfInstanceName } : {}),
    vnfdId: instance.vnfdId,
    vnfProvider: instance.vnfProvider,
    vnfProductName: instance.vnfProductName,
    vnfSoftwareVersion: instance.vnfSoftwareVersion,
    vnfdVersion: instance.vnfdVersion,
    instantiationState: instance.instantiationState,
    ...(instantiated ? { instantiatedVnfInfo: { flavourId: 'simple', vnfState: 'STARTED' as const, vnfcResourceInfo: instance.vnfcResourceInfo } } : {}),
    _links: {
      self: { href: self },
      ...(instantiated
        ? { terminate: { href: `${self}/terminate` }, changeVnfPkg: { href: `${self}/change_vnfpkg` } }
        : { instantiate: { href: `${self}/instantiate` } }),
    },
  };
}
