// Wire models of the ETSI NFV-SOL 002 v3.6.1 VNF LCM Coordination interface (lcmcoord 1.0.0).
// Each model is defined once, here; its TypeScript type is inferred.
import { z } from 'zod';
import { ProblemDetails } from '../http/problem.ts';
import { HttpUrl } from '../http/urls.ts';

export { ProblemDetails };

export const LCMCOORD_API_VERSION = '1.0.0';
export const LCMCOORD_BASE_PATH = '/lcmcoord/v1';

export const LcmCoordResultType = z.enum(['CONTINUE', 'ABORT', 'CANCELLED']);
export type LcmCoordResultType = z.infer<typeof LcmCoordResultType>;

export const LcmOperationForCoordType = z.enum([
  'INSTANTIATE', 'SCALE', 'SCALE_TO_LEVEL', 'CHANGE_FLAVOUR', 'TERMINATE', 'HEAL', 'OPERATE',
  'CHANGE_EXT_CONN', 'MODIFY_INFO', 'CREATE_SNAPSHOT', 'REVERT_TO_SNAPSHOT', 'CHANGE_VNFPKG',
]);

const Link = z.object({ href: z.url() });

export const LcmCoordRequest = z.object({
  vnfInstanceId: z.string().min(1),
  vnfLcmOpOccId: z.string().min(1),
  lcmOperationType: LcmOperationForCoordType,
  coordinationActionName: z.string().min(1),
  inputParams: z.record(z.string(), z.unknown()).optional(),
  _links: z.object({ vnfLcmOpOcc: Link, vnfInstance: Link }),
});
export type LcmCoordRequest = z.infer<typeof LcmCoordRequest>;

export const LcmCoord = z.object({
  id: z.string().min(1),
  coordinationResult: LcmCoordResultType,
  vnfInstanceId: z.string(),
  vnfLcmOpOccId: z.string(),
  lcmOperationType: LcmOperationForCoordType,
  coordinationActionName: z.string(),
  outputParams: z.record(z.string(), z.unknown()).optional(),
  // SOL002's data-model table says 0..N strings, its OpenAPI file one string: EMs send either.
  warnings: z.union([z.string(), z.array(z.string())]).optional(),
  error: ProblemDetails.optional(),
  _links: z.object({ self: Link, vnfLcmOpOcc: Link, vnfInstance: Link }),
});
export type LcmCoord = z.infer<typeof LcmCoord>;

/**
 * An LcmCoord as the VNFM accepts it from an EM it did not write: the links may be missing (the
 * VNFM follows none of them; Tacker's sample EMs send no `self`), unknown fields are ignored.
 * What the VNFM does read (the result, the error) is checked as strictly as ever.
 */
export const ReceivedLcmCoord = LcmCoord.extend({
  _links: z.object({ self: Link.optional(), vnfLcmOpOcc: Link.optional(), vnfInstance: Link.optional() }).optional(),
});
export type ReceivedLcmCoord = z.infer<typeof ReceivedLcmCoord>;

export const ApiVersionInformation = z.object({
  uriPrefix: z.string(),
  apiVersions: z.array(z.object({
    version: z.string(),
    isDeprecated: z.boolean().optional(),
    retirementDate: z.string().optional(),
  })).min(1),
});
export type ApiVersionInformation = z.infer<typeof ApiVersionInformation>;

// --- Authentication parameters the VNFM uses towards the EM (SOL002 SubscriptionAuthentication shape) ---

export const CertificateRef = z.object({
  type: z.literal('x5t#S256'),
  value: z.string().min(1),
});

export const EmAuthentication = z.object({
  authType: z.array(z.enum(['BASIC', 'OAUTH2_CLIENT_CREDENTIALS', 'OAUTH2_CLIENT_CERT'])).min(1),
  paramsBasic: z.object({ userName: z.string().optional(), password: z.string().optional() }).optional(),
  paramsOauth2ClientCredentials: z.object({
    clientId: z.string().optional(),
    clientPassword: z.string().optional(),
    tokenEndpoint: HttpUrl.optional(),
  }).optional(),
  paramsOauth2ClientCert: z.object({
    clientId: z.string().min(1),
    certificateRef: CertificateRef,
    tokenEndpoint: HttpUrl,
  }).optional(),
});
export type EmAuthentication = z.infer<typeof EmAuthentication>;

/** The EM's token endpoint answers the OAuth 2.0 token response, defined once in the outbound kit. */
export { TokenResponse } from '../outbound/token-response.ts';
