// What a MODIFY_INFO operation does to a VNF instance's record (SOL003 §5.4.3.3.4): the
// VnfInfoModifications merged in as a JSON merge patch (RFC 7396). Plain data in, plain data
// out, so that applying the same changes twice (an activity retried) gives the same record.
import type { VnfInfoModifications } from '../sol003/models.ts';
import type { VnfInstanceRecord } from './store.ts';

type Map = Record<string, unknown>;

/** The record's attributes after the changes (only the ones the changes touch). */
export function modifiedInstance(instance: VnfInstanceRecord, changes: VnfInfoModifications): Partial<VnfInstanceRecord> {
  const out: Partial<VnfInstanceRecord> = {};
  if (changes.vnfInstanceName !== undefined) out.vnfInstanceName = changes.vnfInstanceName ?? undefined;
  if (changes.vnfInstanceDescription !== undefined) out.vnfInstanceDescription = changes.vnfInstanceDescription ?? undefined;
  for (const key of ['metadata', 'extensions', 'vnfConfigurableProperties'] as const) {
    const patch = changes[key];
    if (patch === undefined) continue;
    const merged = patch === null ? undefined : mergePatch(instance[key] ?? {}, patch) as Map;
    out[key] = merged && Object.keys(merged).length > 0 ? merged : undefined;
  }
  for (const key of ['vnfdId', 'vnfProvider', 'vnfProductName', 'vnfSoftwareVersion', 'vnfdVersion'] as const) {
    const value = changes[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** RFC 7396: null removes a member, an object merges into an object, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const result: Map = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Map) } : {};
  for (const [key, value] of Object.entries(patch as Map)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}
