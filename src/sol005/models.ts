// Wire models of the ETSI NFV-SOL 005 VNF package management interface (vnfpkgm v1, API
// version 2.1.0, the SOL005 v2.6.1 data model as OpenStack Tacker serves it).
import { z } from 'zod';
import { ProblemDetails } from '../http/problem.ts';
import { HttpUrl } from '../http/urls.ts';

export const VNFPKGM_API_VERSION = '2.1.0';
export const VNFPKGM_BASE = '/vnfpkgm/v1';

/** SOL013 KeyValuePairs. */
export const KeyValuePairs = z.record(z.string(), z.unknown());
export type KeyValuePairs = z.infer<typeof KeyValuePairs>;

export const CreateVnfPkgInfoRequest = z.strictObject({
  userDefinedData: KeyValuePairs.optional(),
});
export type CreateVnfPkgInfoRequest = z.infer<typeof CreateVnfPkgInfoRequest>;

export const PackageOperationalStateType = z.enum(['ENABLED', 'DISABLED']);
export const PackageOnboardingStateType = z.enum(['CREATED', 'UPLOADING', 'PROCESSING', 'ONBOARDED', 'ERROR']);
export const PackageUsageStateType = z.enum(['IN_USE', 'NOT_IN_USE']);

/** PATCH body; SOL005 §9.5.2.3: at least one attribute; userDefinedData is a JSON merge patch (RFC 7396). */
export const VnfPkgInfoModifications = z.strictObject({
  operationalState: PackageOperationalStateType.optional(),
  userDefinedData: KeyValuePairs.optional(),
}).refine((m) => m.operationalState !== undefined || m.userDefinedData !== undefined, {
  message: 'at least one of operationalState and userDefinedData must be present',
});
export type VnfPkgInfoModifications = z.infer<typeof VnfPkgInfoModifications>;

export const Checksum = z.object({ algorithm: z.string(), hash: z.string() });
export type Checksum = z.infer<typeof Checksum>;

/** SOL005 §9.5.3.2 VnfPackageSoftwareImageInfo; sizes in bytes; what the VNFD does not say is left out. */
export const VnfPackageSoftwareImageInfo = z.object({
  id: z.string(),
  name: z.string(),
  provider: z.string(),
  version: z.string().optional(),
  checksum: Checksum.optional(),
  containerFormat: z.string().optional(),
  diskFormat: z.string().optional(),
  createdAt: z.string(),
  minDisk: z.number().int().nonnegative().optional(),
  minRam: z.number().int().nonnegative().optional(),
  size: z.number().int().nonnegative().optional(),
  /** Path of the image file inside the package, when the package holds the image. */
  imagePath: z.string().optional(),
});
export type VnfPackageSoftwareImageInfo = z.infer<typeof VnfPackageSoftwareImageInfo>;

/** SOL005 §9.5.3.3 VnfPackageArtifactInfo: a file of the package besides its VNFD, manifest and images. */
export const VnfPackageArtifactInfo = z.object({
  artifactPath: z.string(),
  checksum: Checksum,
  metadata: KeyValuePairs.optional(),
});
export type VnfPackageArtifactInfo = z.infer<typeof VnfPackageArtifactInfo>;

/**
 * SOL005 §9.4.4 UploadVnfPkgFromUriRequest: where the VNFM fetches the package content from,
 * and the Basic credentials it needs there (python-tackerclient sends userName and password).
 */
export const UploadVnfPkgFromUriRequest = z.object({
  addressInformation: HttpUrl.describe('where the package content (a CSAR) can be fetched'),
  authType: z.array(z.enum(['BASIC', 'OAUTH2_CLIENT_CREDENTIALS'])).min(1).optional(),
  userName: z.string().min(1).optional(),
  password: z.string().optional(),
}).refine((r) => r.password === undefined || r.userName !== undefined, { message: 'password needs userName', path: ['userName'] });
export type UploadVnfPkgFromUriRequest = z.infer<typeof UploadVnfPkgFromUriRequest>;

const Link = z.object({ href: z.string() });

export const VnfPkgInfo = z.object({
  id: z.string(),
  vnfdId: z.string().optional(),
  vnfProvider: z.string().optional(),
  vnfProductName: z.string().optional(),
  vnfSoftwareVersion: z.string().optional(),
  vnfdVersion: z.string().optional(),
  checksum: Checksum.optional(),
  softwareImages: z.array(VnfPackageSoftwareImageInfo).optional(),
  additionalArtifacts: z.array(VnfPackageArtifactInfo).optional(),
  onboardingState: PackageOnboardingStateType,
  operationalState: PackageOperationalStateType,
  usageState: PackageUsageStateType,
  userDefinedData: KeyValuePairs.optional(),
  /** SOL005 v3 attribute: why the last upload failed (the package is back in CREATED). */
  onboardingFailureDetails: ProblemDetails.optional(),
  _links: z.object({ self: Link, vnfd: Link.optional(), packageContent: Link }),
});
export type VnfPkgInfo = z.infer<typeof VnfPkgInfo>;
