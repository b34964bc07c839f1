// Heat orchestration API v1, the part the VNFM uses: stack create, lookup, show and template,
// resource list with nested_depth, and PATCH updates (new parameter values of a member stack,
// or a new template of a VNF's stack that adds and deletes groups of VNFCs) that complete (or
// fail) after a delay.
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { App } from '../http/app.ts';
import { requireToken, type TokenRegistry } from './keystone.ts';
import type { LocatedResource, VimModel } from './model.ts';
import { OpenStackFault, speaks } from './openstack-faults.ts';
import type { SimStack } from './state.ts';
import { HEAT_TEMPLATE_VERSION, VnfTemplate } from './template.ts';

const STACKS_PATH = '/heat/v1/:projectId/stacks';

export interface HeatDeps {
  model: VimModel;
  tokens: TokenRegistry;
  updateDelayMs(): number;
  /** Brings the state up to the clock before it is read. */
  refresh(): void;
  /** Records a change of the state: it is saved within the save interval, and on close (see SaveScheduler). */
  changed(): void;
  publicUrl(request: FastifyRequest): string;
}

const ProjectParams = z.object({ projectId: z.string() });
const StackParams = ProjectParams.extend({ stackName: z.string(), stackId: z.string() });

const StackCreate = z.looseObject({
  stack_name: z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]*$/).max(255),
  template: VnfTemplate,
});

/** Heat's PATCH: the parameter values given replace the stack's; a template given replaces its template. */
const StackPatch = z.looseObject({
  parameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  template: VnfTemplate.optional(),
});

export function heatRoutes(scope: App, deps: HeatDeps): void {
  speaks(scope, 'heat');
  // keystonemiddleware, then Heat's own project check, before anything else of the request is read.
  scope.addHook('onRequest', (request, _reply, done) => {
    requireToken(request.headers, deps.tokens, deps.publicUrl(request));
    const { projectId } = request.params as { projectId?: string };
    if (projectId !== deps.model.state.projectId) {
      throw new OpenStackFault(403, `You are not authorized to use project ${projectId ?? ''}.`, 'Forbidden');
    }
    done();
  });
  scope.addHook('preHandler', (_request, _reply, done) => {
    deps.refresh();
    done();
  });

  // Stack create, for the template shape Tacker's BaseHOT produces: one AutoScalingGroup per VDU
  // whose member resource is `<VDU>.yaml` with `image` and `flavor` properties.
  scope.post(STACKS_PATH, { schema: { params: ProjectParams, body: StackCreate } }, async (request, reply) => {
    const { stack_name: name, template } = request.body;
    if (deps.model.findVnfStack(name)) throw new OpenStackFault(409, `The Stack (${name}) already exists.`, 'StackExists');
    const stack = deps.model.createVnfStack(name, [], Date.now(), template);
    deps.changed();
    const location = stackUrl(deps.publicUrl(request), deps.model.state.projectId, stack);
    return reply.code(201).header('Location', location).send({ stack: { id: stack.id, links: [{ rel: 'self', href: location }] } });
  });

  scope.delete(`${STACKS_PATH}/:stackName/:stackId`, { schema: { params: StackParams } }, async (request, reply) => {
    deps.model.deleteStack(requireStack(deps.model, request.params));
    deps.changed();
    return reply.code(204).send();
  });

  // Heat redirects a lookup by name (or id) to the stack's canonical URL.
  scope.get(`${STACKS_PATH}/:stackIdentity`, { schema: { params: ProjectParams.extend({ stackIdentity: z.string() }) } }, async (request, reply) => {
    const identity = request.params.stackIdentity;
    const stack = deps.model.findStack(identity);
    if (!stack) throw stackNotFound(identity);
    const location = stackUrl(deps.publicUrl(request), deps.model.state.projectId, stack);
    return reply.code(302).header('Location', location).send({ message: `The resource was found at ${location}`, code: '302 Found', title: 'Found' });
  });

  scope.get(`${STACKS_PATH}/:stackName/:stackId`, { schema: { params: StackParams } }, (request) => {
    const stack = requireStack(deps.model, request.params);
    return { stack: stackBody(stack, deps.publicUrl(request), deps.model) };
  });

  scope.get(`${STACKS_PATH}/:stackName/:stackId/template`, { schema: { params: StackParams } }, (request) => {
    const stack = requireStack(deps.model, request.params);
    return stack.parent ? nestedTemplate(stack) : deps.model.templateOf(stack);
  });

  scope.get(`${STACKS_PATH}/:stackName/:stackId/resources`, {
    schema: { params: StackParams, querystring: z.looseObject({ nested_depth: z.string().optional() }) },
  }, (request) => {
    const stack = requireStack(deps.model, request.params);
    const depth = nestedDepth(request.query.nested_depth);
    const base = deps.publicUrl(request);
    return { resources: deps.model.listResources(stack, depth).map((located) => resourceBody(located, base, deps.model)) };
  });

  scope.patch(`${STACKS_PATH}/:stackName/:stackId`, { schema: { params: StackParams, body: StackPatch } }, async (request, reply) => {
    const stack = requireStack(deps.model, request.params);
    const { parameters, template } = request.body;
    let rejection = updateRejection(stack, parameters, template);
    if (!rejection && template) {
      const refusal = deps.model.beginTemplateUpdate(stack, template, Date.now(), deps.updateDelayMs());
      if (refusal) rejection = new OpenStackFault(400, refusal, 'StackValidationFailed');
    } else if (!rejection) {
      deps.model.beginUpdate(stack, stringValues(parameters), Date.now(), deps.updateDelayMs());
    }
    deps.model.recordPatch({
      time: new Date().toISOString(), stackName: stack.name, stackId: stack.id, parameters,
      ...(template ? { templateResources: Object.keys(template.resources) } : {}), status: rejection?.status ?? 202,
    });
    deps.changed();
    if (rejection) throw rejection;
    return reply.code(202).send({ message: 'The request is accepted for processing.', code: '202 Accepted', title: 'Accepted' });
  });
}

function requireStack(model: VimModel, { stackName, stackId }: { stackName: string; stackId: string }): SimStack {
  const stack = model.findStackByNameAndId(stackName, stackId);
  if (!stack) throw stackNotFound(stackName);
  return stack;
}

function stackNotFound(identity: string): OpenStackFault {
  return new OpenStackFault(404, `The Stack (${identity}) could not be found.`, 'EntityNotFound');
}

/** What real Heat refuses: an update while another runs, and parameters the template lacks. */
function updateRejection(stack: SimStack, parameters: Record<string, unknown>, template: VnfTemplate | undefined): OpenStackFault | undefined {
  if (stack.pendingUpdate) {
    return new OpenStackFault(409, `Stack ${stack.name} already has an action (UPDATE) in progress.`, 'ActionInProgress');
  }
  if (template && stack.parent) {
    return new OpenStackFault(400, `the VIM simulator takes a new template for a VNF's top-level stack only, not for ${stack.name}`, 'StackValidationFailed');
  }
  if (template) return undefined; // the template's own parameters are checked by its schema
  const unknown = Object.keys(parameters).find((name) => !(name in stack.parameters));
  if (unknown !== undefined) {
    return new OpenStackFault(400, `The Parameter (${unknown}) was not defined in template.`, 'UnknownUserParameter');
  }
  return undefined;
}

/** A nested stack's template, as far as the simulator knows it: its parameters and resource types. */
function nestedTemplate(stack: SimStack): unknown {
  return {
    heat_template_version: HEAT_TEMPLATE_VERSION,
    parameters: Object.fromEntries(Object.keys(stack.parameters).map((name) => [name, { type: 'string' }])),
    resources: Object.fromEntries(stack.resources.map((resource) => [resource.name, { type: resource.type }])),
  };
}

function nestedDepth(raw: string | undefined): number {
  if (raw === undefined) return 0;
  const depth = Number(raw);
  if (!Number.isInteger(depth) || depth < 0) {
    throw new OpenStackFault(400, `Only integer is acceptable by 'nested_depth'.`, 'HTTPBadRequest');
  }
  return depth;
}

function stringValues(parameters: Record<string, string | number | boolean>): Record<string, string> {
  return Object.fromEntries(Object.entries(parameters).map(([name, value]) => [name, String(value)]));
}

function stackUrl(base: string, projectId: string, stack: SimStack): string {
  return `${base}/heat/v1/${projectId}/stacks/${encodeURIComponent(stack.name)}/${stack.id}`;
}

function stackBody(stack: SimStack, base: string, model: VimModel): unknown {
  const projectId = model.state.projectId;
  return {
    id: stack.id,
    stack_name: stack.name,
    description: '',
    template_description: '',
    creation_time: heatTime(stack.createdAt),
    updated_time: stack.updatedAt === undefined ? null : heatTime(stack.updatedAt),
    deletion_time: null,
    stack_status: stack.status,
    stack_status_reason: stack.statusReason,
    parameters: { ...stack.parameters, 'OS::stack_id': stack.id, 'OS::stack_name': stack.name, 'OS::project_id': projectId },
    outputs: [],
    links: [{ href: stackUrl(base, projectId, stack), rel: 'self' }],
    parent: stack.parent?.stackId ?? null,
    disable_rollback: true,
    timeout_mins: null,
    capabilities: [],
    notification_topics: [],
    stack_owner: null,
    tags: null,
  };
}

function resourceBody({ stack, resource }: LocatedResource, base: string, model: VimModel): unknown {
  const projectId = model.state.projectId;
  const owner = stackUrl(base, projectId, stack);
  const nested = resource.nestedStackId === undefined ? undefined : model.state.stacks[resource.nestedStackId];
  return {
    resource_name: resource.name,
    logical_resource_id: resource.name,
    physical_resource_id: resource.physicalId,
    resource_type: resource.type,
    resource_status: resource.status,
    resource_status_reason: resource.statusReason,
    creation_time: heatTime(resource.createdAt),
    updated_time: heatTime(resource.updatedAt ?? resource.createdAt),
    required_by: [],
    links: [
      { href: `${owner}/resources/${encodeURIComponent(resource.name)}`, rel: 'self' },
      { href: owner, rel: 'stack' },
      ...(nested ? [{ href: stackUrl(base, projectId, nested), rel: 'nested' }] : []),
    ],
    ...(stack.parent ? { parent_resource: stack.parent.resourceName } : {}),
  };
}

/** Heat's timestamps have whole seconds: 2024-01-01T00:00:00Z. */
function heatTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
