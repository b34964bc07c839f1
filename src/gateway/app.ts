// The gateway: the SOL003 VNF LCM (vnflcm v2) and SOL005 VNF package management (vnfpkgm v1)
// faces of the VNFM, as Tacker serves them. Each route checks the request, then starts,
// queries or updates a workflow, or reads the inventory; it keeps no operation state.
//
// Scopes, outermost first: the public routes (token endpoint, this API's document); then
// authentication before any handler; then per API its base path, its api_versions, and the
// SOL013 Version check before every other route of it.
import type { Client } from '@temporalio/client';
import { createApp, inScope, type App } from '../http/app.ts';
import type { InventoryStore } from '../inventory/store.ts';
import type { NotificationClient } from '../notifications/client.ts';
import type { SubscriptionStore } from '../notifications/store.ts';
import type { CsarLimits } from '../packages/csar.ts';
import type { CsarInspector } from '../packages/csar-inspection.ts';
import type { PackageDownloader } from '../packages/download.ts';
import type { PackageRepository } from '../packages/repository.ts';
import { VNFLCM_API_VERSION } from '../sol003/models.ts';
import { VNFPKGM_API_VERSION, VNFPKGM_BASE } from '../sol005/models.ts';
import type { ChangeVnfPkgTuning } from '../lcm/change-vnfpkg-input.ts';
import { TOKEN_PATH, type GatewayAuthenticator } from './auth.ts';
import { answerInScope, kitAnswers, registerOpenApi } from './openapi.ts';
import { apiVersionsRoute } from './routes/api-versions.ts';
import { AuthThrottle } from './auth-throttle.ts';
import { authenticateEveryRequest, documentUnauthorized } from './authenticated.ts';
import { OPENAPI_PATH, openApiRoute, tokenRoute } from './routes/gateway.ts';
import { subscriptionRoutes } from './routes/subscriptions.ts';
import { vnfInstanceRoutes } from './routes/vnf-instances.ts';
import { vnfLcmOpOccRoutes } from './routes/vnf-lcm-op-occs.ts';
import { vnfPackageRoutes, type VnfPackageRouteDependencies } from './routes/vnf-packages.ts';
import { announceVersions, versioned } from './version-header.ts';
import { DEFAULT_PAGE_SIZE, type ListPaging } from './collections.ts';
import { negotiated } from './content-negotiation.ts';
import { PageMarkers } from './page-markers.ts';
import { cancelTaskOfV1, VNFLCM_V1_BASE, VNFLCM_V1_VERSION } from './routes/vnflcm-v1.ts';
import { recordsUnavailable, temporalUnavailable } from './temporal-errors.ts';
import { VNFLCM_BASE } from './vnf-instances.ts';

/** What the subscription routes need: the store, and a client for the endpoint test. */
export interface SubscriptionServices {
  store: SubscriptionStore;
  client: NotificationClient;
}

export interface GatewayDependencies {
  client: Client;
  taskQueue: string;
  inventory: InventoryStore;
  /** Public base URL, for Location headers, _links and the document's server. */
  apiRoot: string;
  /** Used when the destination VNFD declares no coordination action for change_current_package. */
  defaultCoordinationAction: string;
  tuning?: Partial<ChangeVnfPkgTuning>;
  log?: (line: string) => void;
  /** HMAC key of nextpage_opaque_marker values; share it between replicas (default: random per process). */
  pageMarkerSecret?: string;
  /** Objects per page of a list (default DEFAULT_PAGE_SIZE). */
  pageSize?: number;
  /** Who may call; without it the API is open (in-process tests only: the gateway process requires it). */
  auth?: GatewayAuthenticator;
  /** Subscriptions and notification endpoint tests; without it the gateway serves no /subscriptions. */
  subscriptions?: SubscriptionServices;
  /** Package content store; without it the gateway serves no /vnfpkgm/v1. */
  packages?: PackageRepository;
  /** Size and file-count limits of an uploaded package (defaults: DEFAULT_CSAR_LIMITS). */
  packageLimits?: Partial<CsarLimits>;
  /** Checks uploaded packages off the event loop; the gateway process always has one. */
  csarInspector?: CsarInspector;
  /** Failed sign-ins per caller (tests give one with a clock they move). */
  authThrottle?: AuthThrottle;
  /** Fetches package content for upload_from_uri (default: one with the system CAs, closed with the app). */
  packageDownloader?: PackageDownloader;
}

/** Reachable without credentials: the token endpoint authenticates its clients itself, and the API's description. */
const PUBLIC_PATHS: ReadonlySet<string> = new Set([TOKEN_PATH, OPENAPI_PATH]);

/** The gateway as a Fastify app; `listen` it, or serve it from a server of your own (requestListener). */
export function createGatewayApp(deps: GatewayDependencies): App {
  const app = createApp({ log: deps.log, mapError: (err) => temporalUnavailable(err) ?? recordsUnavailable(err) });
  const throttle = deps.authThrottle ?? new AuthThrottle();
  if (deps.auth) authenticateEveryRequest(app, deps.auth, throttle, PUBLIC_PATHS);
  // Answers no route gives (404 and 405 of the kit) carry the Version of the API they are under, too.
  announceVersions(app, [...VNFLCM_VERSIONS, ['/vnfpkgm', VNFPKGM_API_VERSION]]);
  registerOpenApi(app, deps.apiRoot);
  const lists: ListPaging = { markers: new PageMarkers(deps.pageMarkerSecret), pageSize: deps.pageSize ?? DEFAULT_PAGE_SIZE };
  inScope(app, (gateway) => {
    answerInScope(gateway, kitAnswers);
    if (deps.auth) tokenRoute(gateway, deps.auth, throttle);
    openApiRoute(gateway);
    inScope(gateway, (api) => {
      if (deps.auth) documentUnauthorized(api);
      inScope(api, (vnflcm) => vnflcmApi(vnflcm, { ...deps, lists }));
      if (deps.packages) {
        const packages = {
          inventory: deps.inventory, repository: deps.packages, apiRoot: deps.apiRoot, limits: deps.packageLimits, inspector: deps.csarInspector, log: deps.log, lists,
          downloader: deps.packageDownloader,
        };
        inScope(api, (vnfpkgm) => vnfpkgmApi(vnfpkgm, packages));
      }
    });
  });
  return app;
}

const VNFLCM_VERSIONS = [[VNFLCM_V1_BASE, VNFLCM_V1_VERSION], ['/vnflcm', VNFLCM_API_VERSION]] as const;

/** The SOL003 VNF LCM API (v2), with the one task of v1 that python-tackerclient has no v2 command for. */
function vnflcmApi(vnflcm: App, deps: GatewayDependencies & { lists: ListPaging }): void {
  announceVersions(vnflcm, VNFLCM_VERSIONS);
  negotiated(vnflcm);
  apiVersionsRoute(vnflcm, 'vnflcm', '/vnflcm', VNFLCM_API_VERSION);
  apiVersionsRoute(vnflcm, 'vnflcm', VNFLCM_BASE, VNFLCM_API_VERSION);
  inScope(vnflcm, (scope) => {
    versioned(scope, VNFLCM_API_VERSION);
    vnfInstanceRoutes(scope, deps);
    vnfLcmOpOccRoutes(scope, deps);
    if (deps.subscriptions) subscriptionRoutes(scope, { ...deps, subscriptions: deps.subscriptions });
  }, { prefix: VNFLCM_BASE });
  inScope(vnflcm, (scope) => {
    versioned(scope, VNFLCM_V1_VERSION, { required: false });
    cancelTaskOfV1(scope, deps);
  }, { prefix: VNFLCM_V1_BASE });
}

/** The SOL005 VNF package management API (v1); a request without Version is served, as Tacker does. */
export function vnfpkgmApi(vnfpkgm: App, deps: VnfPackageRouteDependencies): void {
  announceVersions(vnfpkgm, [['/vnfpkgm', VNFPKGM_API_VERSION]]);
  negotiated(vnfpkgm);
  apiVersionsRoute(vnfpkgm, 'vnfpkgm', '/vnfpkgm', VNFPKGM_API_VERSION);
  apiVersionsRoute(vnfpkgm, 'vnfpkgm', VNFPKGM_BASE, VNFPKGM_API_VERSION);
  inScope(vnfpkgm, (scope) => {
    versioned(scope, VNFPKGM_API_VERSION, { required: false });
    vnfPackageRoutes(scope, deps);
  }, { prefix: VNFPKGM_BASE });
}
