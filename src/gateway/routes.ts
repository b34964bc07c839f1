// The SOL003 VNF LCM face of the VNFM (vnflcm v2, as Tacker serves it). Each route checks
// the request, then starts, queries or updates a workflow; it keeps no operation state.
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import {
  WorkflowNotFoundError, WorkflowUpdateFailedError, type Client,
} from '@temporalio/client';
import { HttpProblem } from '../http/problem.ts';
import { matchesFilter, parseFilter, type FilterTerm } from '../http/sol013-filter.ts';
import { Router, sendEmpty, sendJson, type RequestContext } from '../http/server.ts';
import type { InventoryStore, VnfInstanceRecord, VnfPackageRecord } from '../inventory/store.ts';
import { VNF_INSTANCE_ID, VNF_LCM_OPERATION, VNF_LCM_OPERATION_STATE } from '../search-attributes.ts';
import { CancelMode, ChangeCurrentVnfPkgRequest, VNFLCM_API_VERSION } from '../sol003/models.ts';
import { ChangeVnfPkgInput, type ChangeVnfPkgTuning, type ParsedChangeVnfPkgInput } from '../lcm/change-vnfpkg-input.ts';
import type { changeVnfPkg } from '../workflows/change-vnfpkg.ts';
import { cancelUpdate, failUpdate, operationQuery, retryUpdate, rollbackUpdate } from '../workflows/messages.ts';
import type { OperationState } from '../workflows/operation-state.ts';
import { GatewayAuthenticator, TOKEN_PATH } from './auth.ts';
import { openApiDocument } from './openapi.ts';
import { toVnfLcmOpOcc } from './op-occ.ts';
import { registerSubscriptionRoutes, type SubscriptionServices } from './subscriptions.ts';
import { registerVnfPackageRoutes } from './vnf-packages.ts';
import { instanceOrThrow, registerVnfInstanceRoutes, startOperation } from './vnf-instances.ts';
import type { PackageRepository } from '../packages/repository.ts';

export interface GatewayDependencies {
  client: Client;
  taskQueue: string;
  inventory: InventoryStore;
  /** Public base URL, for Location headers and _links. */
  apiRoot: string;
  /** Used when the destination VNFD declares no coordination action for change_current_package. */
  defaultCoordinationAction: string;
  tuning?: Partial<ChangeVnfPkgTuning>;
  log?: (line: string) => void;
  /** HMAC key of nextpage_opaque_marker values; share it between replicas (default: random per process). */
  pageMarkerSecret?: string;
  /** Who may call; without it the API is open (in-process tests only: the gateway process requires it). */
  auth?: GatewayAuthenticator;
  /** Subscriptions and notification endpoint tests; without it the gateway serves no /subscriptions. */
  subscriptions?: SubscriptionServices;
  /** Package content store; without it the gateway serves no /vnfpkgm/v1. */
  packages?: PackageRepository;
}

const BASE = '/vnflcm/v2';
/** Reachable without credentials: the token endpoint authenticates its clients itself. */
const PUBLIC_PATHS = new Set([TOKEN_PATH, '/openapi.json']);

export function createGatewayRouter(deps: GatewayDependencies): Router {
  const router = new Router({
    before: (ctx) => {
      if (deps.auth && !PUBLIC_PATHS.has(ctx.url.pathname)) deps.auth.authenticate(ctx.req);
      checkVersionHeader(ctx);
    },
    log: deps.log,
    maxBodyBytes: 1024 * 1024,
    mapError: temporalUnavailable,
  });
  const markers = new PageMarkers(deps.pageMarkerSecret);
  const opOccUrl = (id: string): string => `${deps.apiRoot}${BASE}/vnf_lcm_op_occs/${id}`;

  if (deps.auth) {
    const auth = deps.auth;
    router.on('POST', TOKEN_PATH, async (ctx) => {
      const token = auth.issueToken(ctx.req, new URLSearchParams(await ctx.text()));
      sendJson(ctx.res, 200, token, { 'Cache-Control': 'no-store' });
    });
  }

  let openApi: unknown;
  router.on('GET', '/openapi.json', ({ res }) => sendJson(res, 200, (openApi ??= openApiDocument(deps.apiRoot))));

  router.on('GET', `${BASE}/api_versions`, ({ res }) =>
    sendJson(res, 200, { uriPrefix: BASE, apiVersions: [{ version: VNFLCM_API_VERSION, isDeprecated: false }] }));

  registerVnfInstanceRoutes(router, deps);

  router.on('POST', `${BASE}/vnf_instances/:id/change_vnfpkg`, async (ctx) => {
    const request = await ctx.json(ChangeCurrentVnfPkgRequest);
    const instance = instanceOrThrow(deps.inventory, ctx.params.id);
    if (instance.instantiationState !== 'INSTANTIATED' || !instance.stack) {
      throw new HttpProblem(409, `VNF instance ${instance.id} is ${instance.instantiationState}; change_vnfpkg needs INSTANTIATED`);
    }
    const target = destinationPackage(deps.inventory, request.vnfdId);
    checkVduParams(instance, target, request.additionalParams.vdu_params.map((p) => p.vdu_id));
    checkScripts(target, request);

    const opId = randomUUID();
    const input = changeVnfPkgInput(deps, opId, instance, target, request);
    await startOperation(deps, instance.id, {
      kind: 'CHANGE_VNFPKG',
      vnfLcmOpOccId: opId,
      input,
      staticSummary: `change_vnfpkg of VNF ${instance.id}: ${instance.vnfSoftwareVersion || instance.vnfdId} → ${target.vnfd.vnfSoftwareVersion || target.vnfd.vnfdId}`,
      staticDetails: staticDetails(instance, target, input),
    });
    sendEmpty(ctx.res, 202, { Location: opOccUrl(opId) });
  });

  router.on('GET', `${BASE}/vnf_lcm_op_occs`, async ({ res, url }) => {
    const terms = parseFilter(url.searchParams.get('filter'), OP_OCC_FILTER_ATTRIBUTES);
    const marker = markers.open(url.searchParams.get('nextpage_opaque_marker'));
    const page = await deps.client.workflowService.listWorkflowExecutions({
      namespace: deps.client.options.namespace,
      query: visibilityQuery(terms, deps.taskQueue),
      pageSize: OP_OCC_PAGE_SIZE,
      nextPageToken: marker,
    });
    const rendered = await Promise.all((page.executions ?? []).map(async (execution) => {
      const id = execution.execution?.workflowId;
      if (!id) return undefined;
      // One slow or unreachable occurrence must not hold the whole page.
      const state = await Promise.race([operationSnapshot(deps.client, id), delay(OP_OCC_RENDER_TIMEOUT_MS)]).catch(() => undefined);
      return state && toVnfLcmOpOcc(state, deps.apiRoot);
    }));
    const body = rendered.filter((op) => op !== undefined && matchesFilter(op, terms));
    const next = page.nextPageToken?.length ? markers.seal(page.nextPageToken) : undefined;
    const headers: Record<string, string> = next
      ? { Link: `<${deps.apiRoot}${BASE}/vnf_lcm_op_occs?${new URLSearchParams({ ...(url.searchParams.get('filter') ? { filter: url.searchParams.get('filter') ?? '' } : {}), nextpage_opaque_marker: next }).toString()}>; rel="next"` }
      : {};
    sendJson(res, 200, body, headers);
  });

  router.on('GET', `${BASE}/vnf_lcm_op_occs/:id`, async ({ res, params }) => {
    const state = await withOperation(deps.client, params.id, () => operationSnapshot(deps.client, params.id ?? ''));
    sendJson(res, 200, toVnfLcmOpOcc(state, deps.apiRoot));
  });

  router.on('POST', `${BASE}/vnf_lcm_op_occs/:id/retry`, async ({ res, params }) => {
    await withOperation(deps.client, params.id, (handle) => handle.executeUpdate(retryUpdate));
    sendEmpty(res, 202);
  });

  router.on('POST', `${BASE}/vnf_lcm_op_occs/:id/rollback`, async ({ res, params }) => {
    await withOperation(deps.client, params.id, (handle) => handle.executeUpdate(rollbackUpdate));
    sendEmpty(res, 202);
  });

  router.on('POST', `${BASE}/vnf_lcm_op_occs/:id/cancel`, async (ctx) => {
    const request = await ctx.json(CancelMode);
    await withOperation(deps.client, ctx.params.id, (handle) => handle.executeUpdate(cancelUpdate, { args: [request] }));
    sendEmpty(ctx.res, 202);
  });

  router.on('POST', `${BASE}/vnf_lcm_op_occs/:id/fail`, async ({ res, params }) => {
    const state = await withOperation(deps.client, params.id, (handle) => handle.executeUpdate(failUpdate));
    sendJson(res, 200, toVnfLcmOpOcc(state, deps.apiRoot));
  });

  registerSubscriptionRoutes(router, deps);
  if (deps.packages) registerVnfPackageRoutes(router, { inventory: deps.inventory, repository: deps.packages, apiRoot: deps.apiRoot, log: deps.log });
  return router;
}

const OP_OCC_PAGE_SIZE = 100;
const OP_OCC_RENDER_TIMEOUT_MS = 3_000;
const OP_OCC_FILTER_ATTRIBUTES = new Set(['id', 'operationState', 'vnfInstanceId', 'operation', 'isAutomaticInvocation', 'startTime', 'stateEnteredTime']);
/** Filter attributes that Temporal visibility can narrow down (the rest is checked on the rendered occurrence). */
const VISIBILITY_ATTRIBUTES: Record<string, string> = {
  id: 'WorkflowId', operationState: VNF_LCM_OPERATION_STATE.name, vnfInstanceId: VNF_INSTANCE_ID.name, operation: VNF_LCM_OPERATION.name,
};
const LCM_WORKFLOW_TYPES = ['changeVnfPkg', 'instantiateVnf', 'terminateVnf'];

/** The filter's equality terms as a visibility query; visibility lags, so results are re-checked. */
function visibilityQuery(terms: FilterTerm[], taskQueue: string): string {
  const clauses = [
    `WorkflowType IN (${LCM_WORKFLOW_TYPES.map(quote).join(', ')})`, `ExecutionStatus != 'ContinuedAsNew'`, `TaskQueue = ${quote(taskQueue)}`,
  ];
  for (const term of terms) {
    const attribute = VISIBILITY_ATTRIBUTES[term.path.join('.')];
    if (!attribute || !['eq', 'in', 'neq', 'nin'].includes(term.op)) continue;
    const negate = term.op === 'neq' || term.op === 'nin';
    clauses.push(`${attribute} ${negate ? 'NOT IN' : 'IN'} (${term.values.map(quote).join(', ')})`);
  }
  return clauses.join(' AND ');
}

function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * Paging markers are Temporal page tokens signed by the gateway: a marker it did not issue is a
 * 400 at once, instead of a token Temporal chokes on.
 */
class PageMarkers {
  private readonly key: string;
  constructor(secret?: string) {
    this.key = secret ?? randomBytes(32).toString('base64url');
  }

  seal(token: Uint8Array): string {
    const body = Buffer.from(token).toString('base64url');
    return `${body}.${this.sign(body)}`;
  }

  open(marker: string | null): Uint8Array | undefined {
    if (marker === null) return undefined;
    const [body = '', signature = ''] = marker.split('.');
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(signature);
    if (!body || expected.length !== given.length || !timingSafeEqual(expected, given)) {
      throw new HttpProblem(400, 'nextpage_opaque_marker is not a marker this API issued (take it from the Link header of the previous page)');
    }
    return Buffer.from(body, 'base64url');
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}

/** gRPC UNAVAILABLE / DEADLINE_EXCEEDED from Temporal: the VNFM's engine is unreachable, try again later. */
function temporalUnavailable(err: unknown): HttpProblem | undefined {
  if (!grpcCodes(err).some((code) => code === GRPC.UNAVAILABLE || code === GRPC.DEADLINE_EXCEEDED)) return undefined;
  return new HttpProblem(503, 'the workflow engine (Temporal) is not reachable now; try again later', { 'Retry-After': '5' });
}

/** The operation's state: the result of a finished workflow, the query answer of a running one. */
async function operationSnapshot(client: Client, id: string): Promise<OperationState> {
  const handle = client.workflow.getHandle<typeof changeVnfPkg>(id);
  const { status } = await handle.describe();
  return status.name === 'COMPLETED' ? handle.result() : queryWhenReady(() => handle.query(operationQuery));
}

/** How long a GET waits for a workflow task to be retried before it gives up. */
const NOT_READY_WAIT_MS = 10_000;

/**
 * While a run's last workflow task has failed or timed out (its worker died, or was so busy
 * that the task outlived its 10 s timeout), the server refuses queries at once with
 * FAILED_PRECONDITION; the task's next attempt normally succeeds within seconds. Measured under
 * 500 concurrent operations on one saturated worker: such GETs answered 500 after 50 ms.
 */
async function queryWhenReady<T>(query: () => Promise<T>): Promise<T> {
  const giveUpAt = Date.now() + NOT_READY_WAIT_MS;
  for (let pauseMs = 50; ; pauseMs = Math.min(pauseMs * 2, 1_000)) {
    try {
      return await query();
    } catch (err) {
      if (!grpcCodes(err).includes(GRPC.FAILED_PRECONDITION)) throw err;
      if (Date.now() + pauseMs > giveUpAt) {
        throw new HttpProblem(503, `the operation's workflow is not answering now (its last workflow task failed or timed out and is being retried); try again later`, { 'Retry-After': '5' });
      }
      await delay(pauseMs);
    }
  }
}

/** The gRPC status codes the gateway tells apart. */
const GRPC = { DEADLINE_EXCEEDED: 4, FAILED_PRECONDITION: 9, UNAVAILABLE: 14 } as const;

/** gRPC status codes of an error and of its cause (the client wraps some). */
function grpcCodes(err: unknown): unknown[] {
  return [err, (err as { cause?: unknown } | undefined)?.cause].map((e) => (e as { code?: unknown } | undefined)?.code);
}

/** SOL013 §4.9: every request names the API version; 2.x is what we serve. */
function checkVersionHeader({ req, url }: RequestContext): void {
  if (!url.pathname.startsWith(BASE) || url.pathname.endsWith('/api_versions')) return;
  const version = req.headers.version;
  if (version === undefined || version === '') throw new HttpProblem(400, `the Version header is missing; this API is version ${VNFLCM_API_VERSION}`);
  if (typeof version !== 'string' || !/^2\.\d+\.\d+$/.test(version.trim())) {
    throw new HttpProblem(406, `API version ${String(version)} is not supported; supported: ${VNFLCM_API_VERSION}`);
  }
}

function destinationPackage(inventory: InventoryStore, vnfdId: string): VnfPackageRecord {
  const pkg = inventory.packageByVnfdId(vnfdId);
  if (!pkg) throw new HttpProblem(422, `no onboarded VNF package has vnfdId ${vnfdId}`);
  if (pkg.onboardingState !== 'ONBOARDED' || pkg.operationalState !== 'ENABLED') {
    throw new HttpProblem(422, `VNF package ${pkg.id} (vnfdId ${vnfdId}) is ${pkg.onboardingState}/${pkg.operationalState}; it must be ONBOARDED and ENABLED`);
  }
  return pkg;
}

function checkVduParams(instance: VnfInstanceRecord, target: VnfPackageRecord, vduIds: string[]): void {
  for (const vduId of vduIds) {
    if (!instance.vnfcResourceInfo.some((v) => v.vduId === vduId)) {
      throw new HttpProblem(422, `additionalParams.vdu_params names ${vduId}, which has no VNFC in VNF instance ${instance.id}`);
    }
    if (!target.vnfd.vdus[vduId]) {
      throw new HttpProblem(422, `additionalParams.vdu_params names ${vduId}, which the destination VNFD ${target.vnfd.vnfdId} does not define`);
    }
  }
}

/** Tacker's rule: coordinate scripts named in additionalParams must be files of the package. */
function checkScripts(target: VnfPackageRecord, request: ChangeCurrentVnfPkgRequest): void {
  for (const key of ['lcm-operation-coordinate-new-vnf', 'lcm-operation-coordinate-old-vnf'] as const) {
    const script = request.additionalParams[key];
    if (!script) continue;
    const path = target.contentDir ? resolve(target.contentDir, script) : undefined;
    const inside = path && target.contentDir ? relative(target.contentDir, path) : '..';
    if (!path || inside.startsWith('..') || isAbsolute(inside) || !existsSync(path)) {
      throw new HttpProblem(422, `additionalParams.${key} names ${script}, which is not a file of VNF package ${target.id}`);
    }
  }
}

function changeVnfPkgInput(
  deps: GatewayDependencies, opId: string, instance: VnfInstanceRecord & { stack?: { name: string; id: string } },
  target: VnfPackageRecord, request: ChangeCurrentVnfPkgRequest,
): ParsedChangeVnfPkgInput {
  const { vnfd } = target;
  // The one validation of the workflow's input (the workflow itself carries no zod).
  return ChangeVnfPkgInput.parse({
    vnfLcmOpOccId: opId,
    vnfInstanceId: instance.id,
    sourceVnfdId: instance.vnfdId,
    sourcePackageId: deps.inventory.packageByVnfdId(instance.vnfdId)?.id,
    stack: instance.stack ?? { name: '', id: '' },
    vnfcResourceInfo: instance.vnfcResourceInfo.map((v) => ({ id: v.id, vduId: v.vduId, serverId: v.computeResource.resourceId })),
    request,
    target: {
      ...vnfd,
      packageId: target.id,
      coordinationActionNames: vnfd.coordinationActionNames.length ? vnfd.coordinationActionNames : [deps.defaultCoordinationAction],
    },
    links: { vnfLcmOpOcc: `${deps.apiRoot}${BASE}/vnf_lcm_op_occs/${opId}`, vnfInstance: `${deps.apiRoot}${BASE}/vnf_instances/${instance.id}` },
    tuning: deps.tuning,
  });
}

/** Markdown shown in the Temporal UI beside the summary: what moves where. */
function staticDetails(instance: VnfInstanceRecord, target: VnfPackageRecord, input: ChangeVnfPkgInput): string {
  const vdus = input.request.additionalParams.vdu_params.map((p) => {
    const vdu = target.vnfd.vdus[p.vdu_id];
    const count = instance.vnfcResourceInfo.filter((v) => v.vduId === p.vdu_id).length;
    return `- ${p.vdu_id} (${count} VNFCs) → image \`${vdu?.image}\`, flavour \`${vdu?.flavor}\`, EM ${p.new_vnfc_param?.endpoint ?? 'none'}`;
  });
  return [`VNF instance \`${instance.id}\`, vnfdId \`${instance.vnfdId}\` → \`${target.vnfd.vnfdId}\``, ...vdus].join('\n');
}

/** Runs a call on an operation's workflow, mapping Temporal's answers onto SOL003 statuses. */
async function withOperation<T>(
  client: Client, id: string | undefined, call: (handle: ReturnType<Client['workflow']['getHandle']>) => Promise<T>,
): Promise<T> {
  if (!id) throw new HttpProblem(404, 'no operation occurrence id');
  try {
    return await call(client.workflow.getHandle(id));
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      // An update to a closed workflow reports "not found"; the occurrence exists but has finished.
      const exists = await client.workflow.getHandle(id).describe().then(() => true, () => false);
      if (exists) throw new HttpProblem(409, `VNF LCM operation occurrence ${id} has finished; the task is not allowed`);
      throw new HttpProblem(404, `VNF LCM operation occurrence ${id} does not exist`);
    }
    if (err instanceof WorkflowUpdateFailedError) throw new HttpProblem(409, err.cause?.message ?? err.message);
    const message = (err as Error).message ?? '';
    if (/already completed|workflow execution already completed/i.test(message)) {
      throw new HttpProblem(409, `VNF LCM operation occurrence ${id} has finished; the task is not allowed`);
    }
    throw err;
  }
}
