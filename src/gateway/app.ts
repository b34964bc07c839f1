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
import type { PackageRepository } from '../packages/repository.ts';
import { VNFLCM_API_VERSION } from '../sol003/models.ts';
import { VNFPKGM_API_VERSION, VNFPKGM_BASE } from '../sol005/models.ts';
import type { ChangeVnfPkgTuning } from '../lcm/change-vnfpkg-input.ts';
import type { GatewayAuthenticator } from './auth.ts';
import { answerInScope, kitAnswers, registerOpenApi } from './openapi.ts';
import { apiVersionsRoute } from './routes/api-versions.ts';
import { authenticated } from './authenticated.ts';
import { openApiRoute, tokenRoute } from './routes/gateway.ts';
import { subscriptionRoutes } from './routes/subscriptions.ts';
import { vnfInstanceRoutes } from './routes/vnf-instances.ts';
import { vnfLcmOpOccRoutes } from './routes/vnf-lcm-op-occs.ts';
import { vnfPackageRoutes, type VnfPackageRouteDependencies } from './routes/vnf-packages.ts';
import { versioned } from './version-header.ts';
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
}

/** The gateway as a Fastify app; `listen` it, or serve it from a server of your own (requestListener). */
export function createGatewayApp(deps: GatewayDependencies): App {
  const app = createApp({ log: deps.log, mapError: (err) => temporalUnavailable(err) ?? recordsUnavailable(err) });
  registerOpenApi(app, deps.apiRoot);
  inScope(app, (gateway) => {
    answerInScope(gateway, kitAnswers);
    if (deps.auth) tokenRoute(gateway, deps.auth);
    openApiRoute(gateway);
    inScope(gateway, (api) => {
      if (deps.auth) authenticated(api, deps.auth);
      inScope(api, (vnflcm) => vnflcmApi(vnflcm, deps), { prefix: VNFLCM_BASE });
      if (deps.packages) {
        const packages = {
          inventory: deps.inventory, repository: deps.packages, apiRoot: deps.apiRoot, limits: deps.packageLimits, inspector: deps.csarInspector, log: deps.log,
        };
        inScope(api, (vnfpkgm) => vnfpkgmApi(vnfpkgm, packages), { prefix: VNFPKGM_BASE });
      }
    });
  });
  return app;
}

/** The SOL003 VNF LCM API, to declare with the prefix VNFLCM_BASE. */
function vnflcmApi(vnflcm: App, deps: GatewayDependencies): void {
  apiVersionsRoute(vnflcm, 'vnflcm', VNFLCM_BASE, VNFLCM_API_VERSION);
  inScope(vnflcm, (scope) => {
    versioned(scope, VNFLCM_API_VERSION);
    vnfInstanceRoutes(scope, deps);
    vnfLcmOpOccRoutes(scope, deps);
    if (deps.subscriptions) subscriptionRoutes(scope, { ...deps, subscriptions: deps.subscriptions });
  });
}

/** The SOL005 VNF package management API, to declare with the prefix VNFPKGM_BASE. */
export function vnfpkgmApi(vnfpkgm: App, deps: VnfPackageRouteDependencies): void {
  apiVersionsRoute(vnfpkgm, 'vnfpkgm', VNFPKGM_BASE, VNFPKGM_API_VERSION);
  inScope(vnfpkgm, (scope) => {
    versioned(scope, VNFPKGM_API_VERSION);
    vnfPackageRoutes(scope, deps);
  });
}
