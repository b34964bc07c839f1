// AES-256-GCM payload encryption between the SDK and the Temporal server: history, the Web UI
// and `temporal workflow show` see only ciphertext. The whole Payload (metadata + data) is
// encrypted, so even its encoding is hidden; the outer payload says only `binary/encrypted` and
// which key encrypted it.
import { createCipheriv, createDecipheriv, randomFillSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
// CommonJS package: Node's ESM loader sees only its default export.
import proto from '@temporalio/proto';
import type { Keyring } from './keyring.ts';

export const ENCODING_ENCRYPTED = 'binary/encrypted';
export const METADATA_ENCODING = 'encoding';
export const METADATA_KEY_ID = 'encryption-key-id';

const ProtoPayload = proto.temporal.api.common.v1.Payload;
const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** An encrypted payload that cannot be read: unknown key, malformed, or tampered with. */
export class PayloadDecryptionError extends Error {
  override name = 'PayloadDecryptionError';
}

const utf8 = (bytes: Uint8Array | null | undefined): string | undefined =>
  bytes === null || bytes === undefined ? undefined : Buffer.from(bytes).toString('utf8');

export function isEncrypted(payload: Payload): boolean {
  return utf8(payload.metadata?.[METADATA_ENCODING]) === ENCODING_ENCRYPTED;
}

export interface EncryptionCodecOptions {
  /**
   * Let payloads that are not encrypted through unchanged. Off for the worker and the gateway:
   * whoever can reach the Temporal frontend could otherwise start a workflow with an input of
   * their making. On only to replay histories recorded before encryption, and in the Web UI's
   * codec endpoint, which only displays.
   */
  acceptPlaintext?: boolean;
}

/**
 * IVs cut from a pool of random bytes, refilled from the CSPRNG a few hundred IVs at a time: as
 * random as one randomBytes() per payload, without a call into OpenSSL for each (measured: a
 * tenth of the codec's time on the worker went there).
 */
class IvSource {
  private readonly pool = Buffer.alloc(IV_BYTES * 512);
  private offset = this.pool.length;

  next(): Buffer {
    if (this.offset + IV_BYTES > this.pool.length) {
      randomFillSync(this.pool);
      this.offset = 0;
    }
    const iv = Buffer.from(this.pool.subarray(this.offset, this.offset + IV_BYTES));
    this.offset += IV_BYTES;
    return iv;
  }
}

export class EncryptionCodec implements PayloadCodec {
  private readonly acceptPlaintext: boolean;
  private readonly ivs = new IvSource();

  constructor(private readonly keyring: Keyring, options: EncryptionCodecOptions = {}) {
    this.acceptPlaintext = options.acceptPlaintext ?? false;
  }

  // The work is synchronous; the executor turns a throw into a rejected promise.
  encode(payloads: Payload[]): Promise<Payload[]> {
    return new Promise((resolve) => resolve(payloads.map((payload) => this.encrypt(payload))));
  }

  /** Decrypts `binary/encrypted` payloads; any other payload is refused (or, when accepted, passes unchanged). */
  decode(payloads: Payload[]): Promise<Payload[]> {
    return new Promise((resolve) => resolve(payloads.map((payload) => this.decodeOne(payload))));
  }

  private decodeOne(payload: Payload): Payload {
    if (isEncrypted(payload)) return this.decrypt(payload);
    if (this.acceptPlaintext) return payload;
    const encoding = utf8(payload.metadata?.[METADATA_ENCODING]) ?? 'none';
    throw new PayloadDecryptionError(`refused a payload that is not encrypted with a VNFM key (encoding ${JSON.stringify(encoding.slice(0, 40))}): `
      + 'workflow inputs, signals and results are accepted only as the VNFM encrypted them');
  }

  private encrypt(payload: Payload): Payload {
    const { id, key } = this.keyring.current;
    const iv = this.ivs.next();
    const cipher = createCipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
    // The key id is authenticated too: moving a payload under another key id fails to decrypt.
    cipher.setAAD(Buffer.from(id, 'utf8'));
    const plaintext = ProtoPayload.encode(payload).finish();
    const data = Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: {
        [METADATA_ENCODING]: Buffer.from(ENCODING_ENCRYPTED, 'utf8'),
        [METADATA_KEY_ID]: Buffer.from(id, 'utf8'),
      },
      data,
    };
  }

  private decrypt(payload: Payload): Payload {
    const id = utf8(payload.metadata?.[METADATA_KEY_ID]);
    if (id === undefined) throw new PayloadDecryptionError(`encrypted payload has no '${METADATA_KEY_ID}' metadata`);
    const codecKey = this.keyring.byId.get(id);
    if (!codecKey) {
      throw new PayloadDecryptionError(
        `payload was encrypted with key '${id}', which is not in the keyring (known: ${[...this.keyring.byId.keys()].join(', ')}); ` +
          'keep rotated-out keys after the current one in VNFM_CODEC_KEYS or the key file',
      );
    }
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) {
      throw new PayloadDecryptionError(`encrypted payload (key '${id}') is too short to hold IV and authentication tag`);
    }
    const decipher = createDecipheriv(CIPHER, codecKey.key, data.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(id, 'utf8'));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plaintext: Buffer;
    try {
      plaintext = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(`encrypted payload (key '${id}') failed authentication: it was altered or the key is wrong`);
    }
    return ProtoPayload.decode(plaintext);
  }
}

/**
 * DataConverter options for a Client, Worker or replay: every payload goes through the encryption
 * codec, and so do failure messages and stack traces (moved into an encoded attribute), which
 * would otherwise sit in history in plaintext.
 */
export function encryptedDataConverter(keyring: Keyring, options: EncryptionCodecOptions = {}): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(keyring, options)], failureConverterPath: FAILURE_CONVERTER_PATH };
}

/** Also bundled into the workflow code (src/workflow-bundle.ts): the workflows encode their failures the same way. */
export const FAILURE_CONVERTER_PATH = fileURLToPath(new URL('./failure-converter.cjs', import.meta.url));
