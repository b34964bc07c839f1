// The bearer token of the codec endpoint: VNFM_CODEC_TOKEN, else the file DATA_DIR/codec-token
// (created by the embedded default). Anyone holding it reads every payload in plaintext.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Env } from '../config.ts';
import { CodecConfigError } from './keyring.ts';

export function defaultTokenFile(config: Pick<Env, 'DATA_DIR'>): string {
  return join(config.DATA_DIR, 'codec-token');
}

export function ensureTokenFile(path: string): void {
  if (existsSync(path)) return;
  mkdirSync(dirname(path), { recursive: true });
  try {
    writeFileSync(path, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

export function loadCodecToken(config: Pick<Env, 'DATA_DIR' | 'VNFM_EMBEDDED' | 'VNFM_CODEC_TOKEN'>): string {
  if (config.VNFM_CODEC_TOKEN !== undefined) return config.VNFM_CODEC_TOKEN;
  const path = defaultTokenFile(config);
  if (config.VNFM_EMBEDDED) ensureTokenFile(path);
  if (existsSync(path)) {
    const token = readFileSync(path, 'utf8').trim();
    if (token.length >= 16) return token;
    throw new CodecConfigError(`codec token file ${path} holds fewer than 16 characters`);
  }
  throw new CodecConfigError(
    `no codec endpoint token: set VNFM_CODEC_TOKEN (16+ characters, e.g. $(openssl rand -base64 24)) or provide ${path}; ` +
      '`npm start` creates that file by itself.',
  );
}
