// SOL003 §5.4.2–5.4.8 VNF instances: create, list, read, delete, and the LCM operations on one
// (instantiate, terminate, change_vnfpkg), each handed to the instance's entity workflow.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { App } from '../../http/app.ts';
import {
  ChangeCurrentVnfPkgRequestAnyVim, CreateVnfRequest, InstantiateVnfRequest, TerminateVnfRequest, VnfInstance,
} from '../../sol003/models.ts';
import { empty, json, LOCATION, problem, TEMPORAL_UNREACHABLE } from '../answers.ts';
import { changeVnfPkgStart, type ChangeVnfPkgDependencies } from '../change-vnfpkg-request.ts';
import {
  deleteInstance, instanceOrThrow, instantiateStart, newInstance, opOccUrl, renderVnfInstance, startOperation, terminateStart,
  VNFLCM_BASE, type VnfInstanceDependencies,
} from '../vnf-instances.ts';
import { IdParams } from './params.ts';

const tags = ['vnflcm'];
const started = () => empty('accepted; Location is the VNF LCM operation occurrence', LOCATION);

export function vnfInstanceRoutes(scope: App, deps: VnfInstanceDependencies & ChangeVnfPkgDependencies): void {
  const { inventory, apiRoot } = deps;
  const render = (id: string): VnfInstance => renderVnfInstance(instanceOrThrow(inventory, id), apiRoot);

  scope.post('/vnf_instances', {
    schema: {
      operationId: 'createVnfInstance', tags, summary: 'Create a VNF instance resource (NOT_INSTANTIATED) from an onboarded VNF package',
      body: CreateVnfRequest,
      response: { 201: json(VnfInstance, 'created', LOCATION), 422: problem('no onboarded, enabled VNF package has the vnfdId') },
    },
  }, async (request, reply) => {
    const record = newInstance(inventory, request.body);
    inventory.putInstance(record);
    return reply.header('Location', `${apiRoot}${VNFLCM_BASE}/vnf_instances/${record.id}`).code(201).send(renderVnfInstance(record, apiRoot));
  });

  scope.get('/vnf_instances', {
    schema: { operationId: 'listVnfInstances', tags, summary: 'VNF instances', response: { 200: json(z.array(VnfInstance), 'every VNF instance') } },
  }, () => inventory.instances().map((i) => renderVnfInstance(i, apiRoot)));

  scope.get('/vnf_instances/:id', {
    schema: { operationId: 'getVnfInstance', tags, summary: 'One VNF instance', params: IdParams, response: { 200: json(VnfInstance, 'the VNF instance') } },
  }, (request) => render(request.params.id));

  scope.delete('/vnf_instances/:id', {
    schema: {
      operationId: 'deleteVnfInstance', tags, summary: 'Delete a NOT_INSTANTIATED VNF instance resource', params: IdParams,
      response: { 204: empty('deleted'), 409: problem('the VNF instance is INSTANTIATED, or an LCM operation holds it'), ...TEMPORAL_UNREACHABLE },
    },
  }, async (request, reply) => {
    await deleteInstance(deps, instanceOrThrow(inventory, request.params.id));
    return reply.code(204).send();
  });

  scope.post('/vnf_instances/:id/instantiate', {
    schema: {
      operationId: 'instantiateVnf', tags, summary: 'Instantiate a VNF instance', params: IdParams, body: InstantiateVnfRequest,
      response: {
        202: started(), 409: problem('the VNF instance is INSTANTIATED or has an LCM operation in progress'),
        422: problem('the request does not fit the VNFD'), ...TEMPORAL_UNREACHABLE,
      },
    },
  }, async (request, reply) => {
    const instance = instanceOrThrow(inventory, request.params.id);
    const start = instantiateStart(deps, instance, request.body);
    await startOperation(deps, instance.id, start);
    return reply.header('Location', opOccUrl(apiRoot, start.vnfLcmOpOccId)).code(202).send();
  });

  scope.post('/vnf_instances/:id/terminate', {
    schema: {
      operationId: 'terminateVnf', tags, summary: 'Terminate a VNF instance', params: IdParams, body: TerminateVnfRequest,
      response: { 202: started(), 409: problem('the VNF instance is NOT_INSTANTIATED or has an LCM operation in progress'), ...TEMPORAL_UNREACHABLE },
    },
  }, async (request, reply) => {
    const instance = instanceOrThrow(inventory, request.params.id);
    const start = terminateStart(apiRoot, instance, request.body);
    await startOperation(deps, instance.id, start);
    return reply.header('Location', opOccUrl(apiRoot, start.vnfLcmOpOccId)).code(202).send();
  });

  scope.post('/vnf_instances/:id/change_vnfpkg', {
    schema: {
      operationId: 'changeCurrentVnfPkg', tags, summary: 'Change the current VNF package: a rolling update of the VNFCs, coordinated with the EM',
      params: IdParams, body: ChangeCurrentVnfPkgRequestAnyVim,
      response: {
        202: started(),
        409: problem('the VNF instance is not INSTANTIATED, or an LCM operation on it is in progress or in FAILED_TEMP'),
        422: problem('the destination package, a VDU or a coordinate script named in the request does not exist'),
        ...TEMPORAL_UNREACHABLE,
      },
    },
  }, async (request, reply) => {
    const instance = instanceOrThrow(inventory, request.params.id);
    const start = changeVnfPkgStart(deps, randomUUID(), instance, request.body);
    await startOperation(deps, instance.id, start);
    return reply.header('Location', opOccUrl(apiRoot, start.vnfLcmOpOccId)).code(202).send();
  });
}
