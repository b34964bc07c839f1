// The input of the changeVnfPkg workflow: what the gateway resolved from the request, the VNF
// instance and the destination package. The gateway validates every input against this schema
// before it starts the workflow; workflow code imports only its types (see change-vnfpkg-tuning.ts).
import { z } from 'zod';
import { ChangeCurrentVnfPkgRequest } from '../sol003/models.ts';
import { TUNING_DEFAULTS } from './change-vnfpkg-tuning.ts';

export const VnfcResourceRef = z.object({
  /** vnfcResourceInfo.id */
  id: z.string().min(1),
  vduId: z.string().min(1),
  /** computeResource.resourceId: the server in the VIM. */
  serverId: z.string().min(1),
  /** The vimConnectionInfo entry of the VIM the server is on (its resource handle names it). */
  vimConnectionId: z.string().min(1).optional(),
});
export type VnfcResourceRef = z.infer<typeof VnfcResourceRef>;

export const TargetVdu = z.object({ image: z.string().min(1), flavor: z.string().min(1) });

export const TargetPackage = z.object({
  vnfdId: z.string().min(1),
  vnfProvider: z.string().optional(),
  vnfProductName: z.string().optional(),
  vnfSoftwareVersion: z.string().optional(),
  vnfdVersion: z.string().optional(),
  /** Per VDU of the destination VNFD: the software image and flavour a VNFC moves to. */
  vdus: z.record(z.string(), TargetVdu),
  /**
   * The destination VNF package: its coordinate-new-vnf script is looked up by this id in the
   * worker's own package store (a workflow input never names a file-system path).
   */
  packageId: z.string().min(1).optional(),
  /** Coordination actions the destination VNFD declares for change_current_package, in order. */
  coordinationActionNames: z.array(z.string().min(1)),
});
export type TargetPackage = z.infer<typeof TargetPackage>;

/** Knobs with production defaults; tests and benchmarks shorten them. */
export const ChangeVnfPkgTuning = z.object({
  /** Floor for a Retry-After of 0, a negative one, or an unreadable one: never a tight loop. */
  minPollIntervalMs: z.number().int().positive().default(TUNING_DEFAULTS.minPollIntervalMs),
  /** Poll interval when the EM sends no Retry-After. */
  defaultPollIntervalMs: z.number().int().positive().default(TUNING_DEFAULTS.defaultPollIntervalMs),
  /** Per-coordination deadline when the VNFC parameters give no `timeout`. */
  defaultCoordinationTimeoutSec: z.number().positive().default(TUNING_DEFAULTS.defaultCoordinationTimeoutSec),
  vimPollIntervalMs: z.number().int().positive().default(TUNING_DEFAULTS.vimPollIntervalMs),
  vimUpdateTimeoutSec: z.number().positive().default(TUNING_DEFAULTS.vimUpdateTimeoutSec),
  /** Continue-as-new once a run's history passes this many events. */
  historyEventLimit: z.number().int().min(100).default(TUNING_DEFAULTS.historyEventLimit),
  /** Bound on one run of a user coordinate script. */
  scriptTimeoutSec: z.number().positive().default(TUNING_DEFAULTS.scriptTimeoutSec),
  /**
   * Multiplies every delay the EM asks for. 1 in production; benchmarks shrink it to compress
   * hours of polling into minutes with the same number of exchanges and history events.
   */
  retryAfterScale: z.number().positive().max(1).default(TUNING_DEFAULTS.retryAfterScale),
});
export type ChangeVnfPkgTuning = z.infer<typeof ChangeVnfPkgTuning>;

export const ChangeVnfPkgInput = z.object({
  vnfLcmOpOccId: z.string().min(1),
  vnfInstanceId: z.string().min(1),
  sourceVnfdId: z.string().min(1),
  /** The source VNF package: its coordinate-old-vnf script (rollback) is looked up by this id. */
  sourcePackageId: z.string().min(1).optional(),
  stack: z.object({ name: z.string().min(1), id: z.string().min(1) }),
  /** The instance's vnfcResourceInfo, in its own order (the index decides the rolling order). */
  vnfcResourceInfo: z.array(VnfcResourceRef),
  request: ChangeCurrentVnfPkgRequest,
  target: TargetPackage,
  /** Absolute URIs for the _links of LcmCoordRequest. */
  links: z.object({ vnfLcmOpOcc: z.url(), vnfInstance: z.url() }),
  tuning: ChangeVnfPkgTuning.default(ChangeVnfPkgTuning.parse({})),
});
export type ChangeVnfPkgInput = z.input<typeof ChangeVnfPkgInput>;
export type ParsedChangeVnfPkgInput = z.output<typeof ChangeVnfPkgInput>;
