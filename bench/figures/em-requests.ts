// Figure 5: requests the EM receives for a 10-minute asynchronous wait at Retry-After: 5 with
// OAUTH2_CLIENT_CREDENTIALS (polls = 120). The workflow's retryAfterScale compresses the wait;
// the exchanges are the same as for the real wait, and the EM's tokens (valid an hour) outlive
// the real 10 minutes too, so the token count is the real one.
import { changeRequest, completed, postChange } from '../lib/ops.ts';
import { Stage, type BenchContext } from '../lib/parts.ts';

export interface EmRequestsResult {
  polls: number;
  retryAfterS: number;
  retryAfterScale: number;
  apiRequests: number;
  tokenRequests: number;
  /** Tacker asks for a token before every API request. */
  tackerApiRequests: number;
  tackerTokenRequests: number;
  wallMs: number;
}

export const EM_POLLS = 120;
export const EM_RETRY_AFTER_S = 5;
export const EM_RETRY_AFTER_SCALE = 0.002;

export async function emRequestCounts(ctx: BenchContext): Promise<EmRequestsResult> {
  const stage = await Stage.start(ctx, { name: 'em-requests', vimUpdateDelayMs: 0 });
  try {
    const em = await stage.startEm({
      auth: { methods: ['OAUTH2_CLIENT_CREDENTIALS'] },
      behaviour: { default: { mode: 'async', retryAfter: EM_RETRY_AFTER_S, polls: EM_POLLS } },
    });
    await stage.startWorker();
    const gateway = await stage.startGateway({ retryAfterScale: EM_RETRY_AFTER_SCALE });
    const [instance] = await stage.createInstances(1, { VDU1: 1 });
    const body = changeRequest({
      vnfdId: stage.destination.vnfd.vnfdId, emUrl: em.url, vduIds: ['VDU1'], timeoutSec: 3600,
      authentication: {
        authType: ['OAUTH2_CLIENT_CREDENTIALS'],
        paramsOauth2ClientCredentials: { clientId: 'tacker', clientPassword: 'tacker', tokenEndpoint: `${em.url}/oauth2/token` },
      },
    });
    const started = performance.now();
    const { opId } = await postChange(gateway.url, instance?.id ?? '', body);
    await completed(ctx.client, opId);
    const wallMs = performance.now() - started;
    const counts = em.requests.counts();
    return {
      polls: EM_POLLS,
      retryAfterS: EM_RETRY_AFTER_S,
      retryAfterScale: EM_RETRY_AFTER_SCALE,
      apiRequests: counts.apiRequests,
      tokenRequests: counts.tokenRequests,
      tackerApiRequests: counts.apiRequests,
      tackerTokenRequests: counts.apiRequests,
      wallMs,
    };
  } finally {
    await stage.close();
  }
}
