// SOL003 §5.4.2–5.4.8 VNF instances: create and delete (each announced to subscribers by a
// notifier workflow), list (SOL013 filter, selectors, paged), read, and the LCM operations on
// one (instantiate, terminate, change_vnfpkg, modify by PATCH), each handed to the instance's
// entity workflow.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { inScope, type App } from '../../http/app.ts';
import { acceptJson } from '../../http/body-parsers.ts';
import {
  ChangeCurrentVnfPkgRequestAnyVim, CreateVnfRequest, InstantiateVnfRequest, TerminateVnfRequest, VnfInfoModificationRequest, VnfInstance,
} from '../../sol003/models.ts';
import { empty, json, LOCATION, problem, TEMPORAL_UNREACHABLE } from '../answers.ts';
import { changeVnfPkgStart, type ChangeVnfPkgDependencies } from '../change-vnfpkg-request.ts';
import {
  createInstance, deleteInstance, instanceOrThrow, instantiateStart, modifyInfoStart, newInstance, opOccUrl, renderVnfInstance, startOperation, terminateStart,
  VNFLCM_BASE, type VnfInstanceDependencies,
} from '../vnf-instances.ts';
import { listRequest, ListQuery, NEXT_PAGE_LINK, pageOf, type ListPaging } from '../collections.ts';
import type { ResourceModel } from '../../http/sol013-selectors.ts';
import { IdParams } from './params.ts';

const tags = ['vnflcm'];
const started = () => empty('accepted; Location is the VNF LCM operation occurrence', LOCATION);

/** SOL003 §5.4.2.3.2: what a list of VNF instances leaves out unless asked for. */
export const VNF_INSTANCE_MODEL: ResourceModel = {
  schema: VnfInstance, name: 'VnfInstance',
  defaultExcluded: ['vnfConfigurableProperties', 'vimConnectionInfo', 'instantiatedVnfInfo', 'metadata', 'extensions'],
};

export function vnfInstanceRoutes(scope: App, deps: VnfInstanceDependencies & ChangeVnfPkgDependencies & { lists: ListPaging; subscriptions?: unknown }): void {
  const { inventory, apiRoot } = deps;
  // Identifier notifications go to subscribers: only where subscriptions are served.
  const notify = deps.subscriptions !== undefined;
  const render = async (id: string): Promise<VnfInstance> => renderVnfInstance(await instanceOrThrow(inventory, id), apiRoot);

  scope.post('/vnf_instances', {
    schema: {
      operationId: 'createVnfInstance', tags, summary: 'Create a VNF instance resource (NOT_INSTANTIATED) from an onboarded VNF package',
      body: CreateVnfRequest,
      response: { 201: json(VnfInstance, 'created', LOCATION), 422: problem('no onboarded, enabled VNF package has the vnfdId'), ...TEMPORAL_UNREACHABLE },
    },
  }, async (request, reply) => {
    const record = await newInstance(inventory, request.body);
    await createInstance({ ...deps, notify }, record);
    return reply.header('Location', `${apiRoot}${VNFLCM_BASE}/vnf_instances/${record.id}`).code(201).send(renderVnfInstance(record, apiRoot));
  });

  scope.get('/vnf_instances', {
    schema: {
      operationId: 'listVnfInstances', tags, summary: 'VNF instances (SOL013 filter, attribute selectors, paged)', querystring: ListQuery,
      response: { 200: json(z.array(VnfInstance), 'the matching VNF instances, by id; Link names the next page', NEXT_PAGE_LINK) },
    },
  }, async (request, reply) => {
    const list = listRequest(request.query, VNF_INSTANCE_MODEL, deps.lists.markers);
    const all = (await inventory.instances()).map((i) => renderVnfInstance(i, apiRoot));
    return pageOf(all, (i) => i.id, list, { reply, url: `${apiRoot}${VNFLCM_BASE}/vnf_instances`, query: request.query, paging: deps.lists });
  });

  scope.get('/vnf_instances/:id', {
    schema: { operationId: 'getVnfInstance', tags, summary: 'One VNF instance', params: IdParams, response: { 200: json(VnfInstance, 'the VNF instance') } },
  }, (request) => render(request.params.id));

  // VnfInfoModificationRequest is a JSON merge patch (RFC 7396); plain JSON is taken too, as Tacker does.
  inScope(scope, (patch) => {
    acceptJson(patch, ['application/merge-patch+json', 'application/json']);
    patch.patch('/vnf_instances/:id', {
      schema: {
        operationId: 'modifyVnfInfo', tags, summary: 'Modify VNF information (a MODIFY_INFO operation occurrence): name, description, metadata, extensions, vnfConfigurableProperties, vnfdId',
        params: IdParams, consumes: ['application/merge-patch+json', 'application/json'], body: VnfInfoModificationRequest,
        response: {
          202: started(), 409: problem('an LCM operation on the VNF instance is in progress or in FAILED_TEMP'),
          422: problem('the vnfdId has no onboarded, enabled package, or an attribute this VNFM cannot modify is named'), ...TEMPORAL_UNREACHABLE,
        },
      },
    }, async (request, reply) => {
      const instance = await instanceOrThrow(inventory, request.params.id);
      const start = await modifyInfoStart(deps, instance, request.body);
      await startOperation(deps, instance.id, start);
      return reply.header('Location', opOccUrl(apiRoot, start.vnfLcmOpOccId)).code(202).send();
    });
  });

  scope.delete('/vnf_instances/:id', {
    schema: {
      operationId: 'deleteVnfInstance', tags, summary: 'Delete a NOT_INSTANTIATED VNF instance resource', params: IdParams,
      response: { 204: empty('deleted'), 409: problem('the VNF instance is INSTANTIATED, or an LCM operation holds it'), ...TEMPORAL_UNREACHABLE },
    },
  }, async (request, reply) => {
    await deleteInstance({ ...deps, notify }, await instanceOrThrow(inventory, request.params.id));
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
    const instance = await instanceOrThrow(inventory, request.params.id);
    const start = await instantiateStart(deps, instance, request.body);
    await startOperation(deps, instance.id, start);
    return reply.header('Location', opOccUrl(apiRoot, start.vnfLcmOpOccId)).code(202).send();
  });

  scope.post('/vnf_instances/:id/terminate', {
    schema: {
      operationId: 'terminateVnf', tags, summary: 'Terminate a VNF instance', params: IdParams, body: TerminateVnfRequest,
      response: { 202: started(), 409: problem('the VNF instance is NOT_INSTANTIATED or has an LCM operation in progress'), ...TEMPORAL_UNREACHABLE },
    },
  }, async (request, reply) => {
    const instance = await instanceOrThrow(inventory, request.params.id);
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
    const instance = await instanceOrThrow(inventory, request.params.id);
    const start = await changeVnfPkgStart(deps, randomUUID(), instance, request.body);
    await startOperation(deps, instance.id, start);
    return reply.header('Location', opOccUrl(apiRoot, start.vnfLcmOpOccId)).code(202).send();
  });
}
