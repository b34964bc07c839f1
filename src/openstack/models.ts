// Wire models of the OpenStack subset the VNFM uses: Keystone v3 password tokens, Heat v1
// stacks and resources, Nova servers. Objects are loose (real clouds add fields release by
// release); only the fields we read are required. Each model is defined once, here.
import { z } from 'zod';

const IsoDateTime = z.string().refine((text) => !Number.isNaN(Date.parse(text)), 'expected an ISO 8601 date-time');

// --- Keystone v3 (POST /v3/auth/tokens) ---

export const CatalogEndpoint = z.looseObject({
  interface: z.string(),
  // Keystone sends both `region` (legacy) and `region_id`; either may be null for a global endpoint.
  region: z.string().nullish(),
  region_id: z.string().nullish(),
  url: z.url(),
});
export type CatalogEndpoint = z.infer<typeof CatalogEndpoint>;

export const CatalogEntry = z.looseObject({
  type: z.string(),
  name: z.string().optional(),
  endpoints: z.array(CatalogEndpoint),
});
export type CatalogEntry = z.infer<typeof CatalogEntry>;

export const KeystoneTokenResponse = z.looseObject({
  token: z.looseObject({
    expires_at: IsoDateTime,
    project: z.looseObject({ id: z.string().min(1), name: z.string().optional() }),
    catalog: z.array(CatalogEntry),
  }),
});
export type KeystoneTokenResponse = z.infer<typeof KeystoneTokenResponse>;

// --- Heat v1 ---

export const HeatLink = z.looseObject({ rel: z.string(), href: z.string() });
export type HeatLink = z.infer<typeof HeatLink>;

export const HeatStack = z.looseObject({
  id: z.string().min(1),
  stack_name: z.string().min(1),
  /** `<ACTION>_<STATUS>`, e.g. UPDATE_IN_PROGRESS, UPDATE_COMPLETE, UPDATE_FAILED. */
  stack_status: z.string().min(1),
  stack_status_reason: z.string().nullish(),
  // Heat renders every parameter value as a string, but older releases and JSON-typed
  // parameters are not uniform, so values stay unknown until a caller narrows them.
  parameters: z.record(z.string(), z.unknown()),
  links: z.array(HeatLink).optional(),
  parent: z.string().nullish(),
});
export type HeatStack = z.infer<typeof HeatStack>;

export const HeatStackResponse = z.looseObject({ stack: HeatStack });

/** Heat's answer to a stack create: the id and links only. */
export const HeatStackCreatedResponse = z.looseObject({ stack: z.looseObject({ id: z.string().min(1) }) });

export const HeatResource = z.looseObject({
  resource_name: z.string().min(1),
  // Empty while a resource is not yet created.
  physical_resource_id: z.string(),
  resource_type: z.string().min(1),
  resource_status: z.string().min(1),
  resource_status_reason: z.string().nullish(),
  links: z.array(HeatLink),
  /** Name of the resource, in the parent stack, that owns this resource's stack (nested stacks only). */
  parent_resource: z.string().optional(),
});
export type HeatResource = z.infer<typeof HeatResource>;

export const HeatResourceListResponse = z.looseObject({ resources: z.array(HeatResource) });

/** A HOT template as Heat answers `GET …/template`: its resources by name, the rest as it is. */
export const HeatTemplate = z.looseObject({
  resources: z.record(z.string(), z.looseObject({ type: z.string().min(1) })).default({}),
});
export type HeatTemplate = z.infer<typeof HeatTemplate>;

// --- Nova v2.1 (microversion 2.47+ embeds the flavor instead of linking it) ---

export const NovaServer = z.looseObject({
  id: z.string().min(1),
  name: z.string(),
  status: z.string().min(1),
  // A server booted from a volume has `image: ""`; we report that as null.
  image: z.union([z.looseObject({ id: z.string().min(1) }), z.literal('').transform(() => null)]),
  flavor: z.looseObject({ original_name: z.string().min(1) }),
  /** Per network, the server's addresses (`OS-EXT-IPS:type` fixed or floating). */
  addresses: z.record(z.string(), z.array(z.looseObject({ addr: z.string(), version: z.number().optional() }))).default({}),
});
export type NovaServer = z.infer<typeof NovaServer>;

export const NovaServerResponse = z.looseObject({ server: NovaServer });

// --- Error bodies, read only to quote the service's own explanation ---

/** Keystone and keystonemiddleware: `{error: {code, title, message}}`; Heat adds `explanation`. */
export const OpenStackErrorBody = z.looseObject({
  error: z.looseObject({ message: z.string() }).optional(),
  explanation: z.string().optional(),
  title: z.string().optional(),
});

/** Nova: `{"itemNotFound": {"code": 404, "message": "..."}}`, keyed by fault name. */
export const NovaFaultBody = z.record(z.string(), z.looseObject({ message: z.string() }));
