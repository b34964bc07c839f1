// The one place a process turns its configuration into the encrypting DataConverter; worker,
// gateway and codec endpoint share it, so they always agree on the keys.
import type { DataConverter } from '@temporalio/common';
import type { Env } from '../config.ts';
import { encryptedDataConverter } from './encryption-codec.ts';
import { loadKeyring } from './keyring.ts';

/** `{ payloadCodecs: [encryption codec] }` from this process's keyring; throws CodecConfigError without a key. */
export function codecDataConverter(config: Env): DataConverter {
  return encryptedDataConverter(loadKeyring(config), { acceptPlaintext: config.VNFM_CODEC_ACCEPT_PLAINTEXT });
}
