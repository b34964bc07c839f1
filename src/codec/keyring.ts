// The payload encryption keys: the newest (first) encrypts, every known key decrypts, so a
// rotated-out key still reads the histories it wrote. Keys come from VNFM_CODEC_KEYS or a key
// file; the embedded default (`npm start`) creates the key file on first start. Without a key a
// process refuses to start: it would otherwise write secrets to history in plaintext.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import type { Env } from '../config.ts';
import { describeZodError } from '../http/problem.ts';

export const KEY_BYTES = 32;

export interface CodecKey {
  id: string;
  /** 32 bytes of AES-256 key material. */
  key: Buffer;
}

export interface Keyring {
  /** Encrypts new payloads. */
  current: CodecKey;
  /** Decrypts payloads by the key id recorded in their metadata. */
  byId: ReadonlyMap<string, CodecKey>;
}

/** No usable key or token: the process must not start. The message says what to set; it never holds key material. */
export class CodecConfigError extends Error {
  override name = 'CodecConfigError';
}

const KeyId = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a key id is 1-64 characters of A-Z a-z 0-9 . _ -');

/** The key file: `{ "keys": [{ "id", "key" (base64), "createdAt"? }] }`, newest first. */
export const KeyFile = z.object({
  keys: z.array(z.object({ id: KeyId, key: z.string(), createdAt: z.string().optional() })).min(1),
});
export type KeyFile = z.infer<typeof KeyFile>;

export function defaultKeyFile(config: Pick<Env, 'DATA_DIR'>): string {
  return join(config.DATA_DIR, 'codec-keys.json');
}

function decodeKey(id: string, base64: string, source: string): CodecKey {
  const key = Buffer.from(base64.trim(), 'base64');
  if (key.length !== KEY_BYTES || key.toString('base64').replace(/=+$/, '') !== base64.trim().replace(/=+$/, '')) {
    throw new CodecConfigError(`${source}: key '${id}' is not ${KEY_BYTES} bytes of base64 (generate one with: openssl rand -base64 ${KEY_BYTES})`);
  }
  return { id, key };
}

/** Builds a keyring from keys listed newest first. */
export function createKeyring(keys: readonly CodecKey[], source = 'keyring'): Keyring {
  const [current] = keys;
  if (!current) throw new CodecConfigError(`${source}: no key`);
  const byId = new Map<string, CodecKey>();
  for (const key of keys) {
    if (byId.has(key.id)) throw new CodecConfigError(`${source}: key id '${key.id}' appears twice`);
    byId.set(key.id, key);
  }
  return { current, byId };
}

/** Parses `keyId:base64key,keyId:base64key` (first = current), the format of VNFM_CODEC_KEYS. */
export function parseKeyList(text: string, source = 'VNFM_CODEC_KEYS'): Keyring {
  const keys = text.split(',').map((entry) => entry.trim()).filter(Boolean).map((entry, index) => {
    const colon = entry.indexOf(':');
    const id = colon < 0 ? '' : entry.slice(0, colon).trim();
    if (!KeyId.safeParse(id).success) {
      throw new CodecConfigError(`${source}: entry ${index + 1} is not keyId:base64key (a key id is 1-64 characters of A-Z a-z 0-9 . _ -)`);
    }
    return decodeKey(id, entry.slice(colon + 1), source);
  });
  return createKeyring(keys, source);
}

export function readKeyFile(path: string): Keyring {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new CodecConfigError(`cannot read the codec key file ${path}: ${(err as Error).message}`);
  }
  const parsed = KeyFile.safeParse(json);
  if (!parsed.success) throw new CodecConfigError(`codec key file ${path} is invalid: ${describeZodError(parsed.error)}`);
  return createKeyring(parsed.data.keys.map((k) => decodeKey(k.id, k.key, path)), path);
}

/** A fresh random key with a date-stamped id, e.g. `k20250101-3f9a`. */
export function generateKey(now = new Date()): CodecKey {
  const stamp = now.toISOString().slice(0, 10).replaceAll('-', '');
  return { id: `k${stamp}-${randomBytes(2).toString('hex')}`, key: randomBytes(KEY_BYTES) };
}

/** Creates the key file (mode 0600) with one fresh key unless it exists; never overwrites. */
export function ensureKeyFile(path: string): void {
  if (existsSync(path)) return;
  mkdirSync(dirname(path), { recursive: true });
  const key = generateKey();
  const file: KeyFile = { keys: [{ id: key.id, key: key.key.toString('base64'), createdAt: new Date().toISOString() }] };
  try {
    // 'wx': if a sibling process created it a moment ago, keep theirs.
    writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

type KeyringConfig = Pick<Env, 'DATA_DIR' | 'VNFM_EMBEDDED' | 'VNFM_CODEC_KEYS' | 'VNFM_CODEC_KEY_FILE'>;

/**
 * The keyring of this process: VNFM_CODEC_KEYS, else VNFM_CODEC_KEY_FILE, else DATA_DIR/codec-keys.json
 * (created by the embedded default when absent). Throws CodecConfigError when there is no key.
 */
export function loadKeyring(config: KeyringConfig): Keyring {
  if (config.VNFM_CODEC_KEYS !== undefined) return parseKeyList(config.VNFM_CODEC_KEYS);
  if (config.VNFM_CODEC_KEY_FILE !== undefined) return readKeyFile(config.VNFM_CODEC_KEY_FILE);
  const path = defaultKeyFile(config);
  if (config.VNFM_EMBEDDED) ensureKeyFile(path);
  if (existsSync(path)) return readKeyFile(path);
  throw new CodecConfigError(
    'no payload encryption key: workflow inputs carry secrets and are never written to Temporal in plaintext. ' +
      `Set VNFM_CODEC_KEYS=<keyId>:<base64 ${KEY_BYTES}-byte key>[,<older keyId>:<key>...] (e.g. k1:$(openssl rand -base64 ${KEY_BYTES})) ` +
      `or VNFM_CODEC_KEY_FILE=<file>, or provide ${path}; \`npm start\` creates that file by itself.`,
  );
}
