// Payload encryption: the AES-256-GCM codec, its keyring, and the codec endpoint the Web UI
// calls. Secrets in workflow inputs must reach Temporal only as ciphertext, and leave the
// endpoint only to a caller holding the token.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EncryptionCodec, ENCODING_ENCRYPTED, METADATA_KEY_ID, PayloadDecryptionError } from '../src/codec/encryption-codec.ts';
import { payloadFromJson, payloadToJson, SESSION_COOKIE, startCodecEndpoint, type RunningCodecEndpoint } from '../src/codec/endpoint.ts';
import { CodecConfigError, defaultKeyFile, loadKeyring, parseKeyList, type Keyring } from '../src/codec/keyring.ts';
import { loadCodecToken } from '../src/codec/token.ts';
import { SESSION_LIFETIME_MS } from '../src/codec/sessions.ts';
import { loadConfig } from '../src/config.ts';
import { PROJECT_ROOT } from '../src/project-root.ts';
import { makeTestPki } from './support/certificates.ts';
import { ManualClock } from './support/clock.ts';

const MARKER = 'vnfc-password-7f3a9c';
const keyText = () => randomBytes(32).toString('base64');
const K1 = `k1:${keyText()}`;
const K2 = `k2:${keyText()}`;
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('utf8');

function secretPayload(): Payload {
  return defaultPayloadConverter.toPayload({ vdu_params: [{ new_vnfc_param: { username: 'ubuntu', password: MARKER } }] });
}

function plain(payload: Payload) {
  return { metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, text(v)])), data: text(payload.data) };
}

describe('EncryptionCodec', () => {
  const codec = new EncryptionCodec(parseKeyList(K1));

  it('encrypts a payload so neither its data nor its encoding is visible, and decrypts it back', async () => {
    const original = secretPayload();
    const [encrypted] = await codec.encode([original]);

    expect(text(encrypted?.metadata?.encoding)).toBe(ENCODING_ENCRYPTED);
    expect(text(encrypted?.metadata?.[METADATA_KEY_ID])).toBe('k1');
    expect(Object.keys(encrypted?.metadata ?? {}).sort()).toEqual(['encoding', METADATA_KEY_ID]);
    expect(text(encrypted?.data)).not.toContain(MARKER);
    expect(text(encrypted?.data)).not.toContain('json/plain');
    // 12-byte IV + ciphertext + 16-byte tag
    expect(encrypted?.data?.length).toBeGreaterThan(12 + 16);

    const [decrypted] = await codec.decode([encrypted!]);
    expect(plain(decrypted!)).toEqual(plain(original));
    expect(defaultPayloadConverter.fromPayload(decrypted!)).toEqual(defaultPayloadConverter.fromPayload(original));
  });

  it('uses a fresh IV for every payload', async () => {
    const [a, b] = await codec.encode([secretPayload(), secretPayload()]);
    expect(Buffer.from(a!.data!).subarray(0, 12).equals(Buffer.from(b!.data!).subarray(0, 12))).toBe(false);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  it('after a key rotation encrypts with the new key and still decrypts with the old one', async () => {
    const [old] = await new EncryptionCodec(parseKeyList(K1)).encode([secretPayload()]);
    const rotated = new EncryptionCodec(parseKeyList(`${K2},${K1}`));

    const [fresh] = await rotated.encode([secretPayload()]);
    expect(text(fresh?.metadata?.[METADATA_KEY_ID])).toBe('k2');
    const [oldDecrypted, freshDecrypted] = await rotated.decode([old!, fresh!]);
    expect(plain(oldDecrypted!)).toEqual(plain(secretPayload()));
    expect(plain(freshDecrypted!)).toEqual(plain(secretPayload()));
  });

  it('refuses a payload whose key is not in the keyring, naming the key id', async () => {
    const [old] = await new EncryptionCodec(parseKeyList(K1)).encode([secretPayload()]);
    const withoutOld = new EncryptionCodec(parseKeyList(K2));
    await expect(withoutOld.decode([old!])).rejects.toThrow(PayloadDecryptionError);
    await expect(withoutOld.decode([old!])).rejects.toThrow(/encrypted with key 'k1', which is not in the keyring \(known: k2\)/);
  });

  it('refuses a tampered ciphertext, tag or key id', async () => {
    const both = new EncryptionCodec(parseKeyList(`${K1},${K2}`));
    const [encrypted] = await both.encode([secretPayload()]);
    const flip = (index: number): Payload => {
      const data = Buffer.from(encrypted!.data!);
      data[index < 0 ? data.length + index : index]! ^= 0x01;
      return { ...encrypted!, data };
    };
    await expect(both.decode([flip(20)])).rejects.toThrow(/failed authentication/);
    await expect(both.decode([flip(-1)])).rejects.toThrow(/failed authentication/);
    await expect(both.decode([flip(0)])).rejects.toThrow(/failed authentication/);
    const movedToK2 = { ...encrypted!, metadata: { ...encrypted!.metadata, [METADATA_KEY_ID]: Buffer.from('k2') } };
    await expect(both.decode([movedToK2])).rejects.toThrow(/key 'k2'.*failed authentication/);
    await expect(both.decode([{ ...encrypted!, data: Buffer.alloc(10) }])).rejects.toThrow(/too short/);
  });

  it('refuses a payload that is not encrypted: nobody but the VNFM can hand the worker an input', async () => {
    const forged = secretPayload(); // json/plain, as `temporal workflow start --input` sends it

    await expect(codec.decode([forged])).rejects.toThrow(
      new PayloadDecryptionError('refused a payload that is not encrypted with a VNFM key (encoding "json/plain"): workflow inputs, signals and results are accepted only as the VNFM encrypted them'));
  });

  it('passes plaintext payloads through unchanged only when told to (replaying histories recorded before encryption)', async () => {
    const original = secretPayload();
    const binaryNull = defaultPayloadConverter.toPayload(undefined);
    const [decoded, nullDecoded] = await new EncryptionCodec(parseKeyList(K1), { acceptPlaintext: true }).decode([original, binaryNull]);
    expect(decoded).toBe(original);
    expect(nullDecoded).toBe(binaryNull);
  });
});

describe('keyring', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'vnfm-codec-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('reads VNFM_CODEC_KEYS newest first and rejects malformed keys without echoing them', () => {
    const keyring = parseKeyList(` ${K2} , ${K1} `);
    expect(keyring.current.id).toBe('k2');
    expect([...keyring.byId.keys()]).toEqual(['k2', 'k1']);
    expect(() => parseKeyList('k1:c2hvcnQ=')).toThrow(/key 'k1' is not 32 bytes of base64/);
    expect(() => parseKeyList(keyText())).toThrow(/entry 1 is not keyId:base64key/);
    expect(() => parseKeyList(`${K1},${K1}`)).toThrow(/appears twice/);
    try {
      parseKeyList('k1:c2hvcnQ=');
    } catch (err) {
      expect((err as Error).message).not.toContain('c2hvcnQ');
    }
  });

  it('refuses to start outside the embedded default when there is no key, with one clear message', () => {
    const config = loadConfig({ DATA_DIR: dataDir });
    expect(() => loadKeyring(config)).toThrow(CodecConfigError);
    expect(() => loadKeyring(config)).toThrow(/^no payload encryption key: .*Set VNFM_CODEC_KEYS=/);
    expect(() => loadCodecToken(config)).toThrow(/^no codec endpoint token: set VNFM_CODEC_TOKEN/);
  });

  it('in the embedded default creates DATA_DIR/codec-keys.json (0600) once and reuses it', () => {
    const config = loadConfig({ DATA_DIR: dataDir, VNFM_EMBEDDED: '1' });
    const first: Keyring = loadKeyring(config);
    const file = defaultKeyFile(config);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const second = loadKeyring(config);
    expect(second.current.id).toBe(first.current.id);
    expect(second.current.key.equals(first.current.key)).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ keys: [{ id: first.current.id }] });
    // Once it exists, a process outside the embedded default (`npm run worker`) uses it too.
    expect(loadKeyring(loadConfig({ DATA_DIR: dataDir })).current.id).toBe(first.current.id);
    // VNFM_CODEC_KEYS wins over the file.
    expect(loadKeyring(loadConfig({ DATA_DIR: dataDir, VNFM_CODEC_KEYS: K2 })).current.id).toBe('k2');
    const token = loadCodecToken(config);
    expect(token.length).toBeGreaterThanOrEqual(16);
    expect(statSync(join(dataDir, 'codec-token')).mode & 0o777).toBe(0o600);
    expect(loadCodecToken(config)).toBe(token);
  });

  it('makes the worker process refuse to start without a key', () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VNFM_')));
    const emptyDir = mkdtempSync(join(tmpdir(), 'vnfm-nokey-'));
    try {
      const run = spawnSync(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'src/worker.ts')], {
        cwd: PROJECT_ROOT, env: { ...env, DATA_DIR: emptyDir, TEMPORAL_ADDRESS: '127.0.0.1:1' }, encoding: 'utf8', timeout: 60_000,
      });
      expect(run.status).toBe(1);
      expect(run.stderr.trim()).toMatch(/^worker refuses to start: no payload encryption key: /);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      rmSync(emptyDir, { recursive: true, force: true });
    }
  });
});

describe('codec endpoint', () => {
  const TOKEN = 'codec-token-for-tests-0123456789';
  const UI = 'http://127.0.0.1:8233';
  const codec = new EncryptionCodec(parseKeyList(K1));
  let endpoint: RunningCodecEndpoint;
  let encrypted: ReturnType<typeof payloadToJson>;
  beforeAll(async () => {
    endpoint = await startCodecEndpoint({ codec, token: TOKEN, allowedOrigins: [UI, 'http://localhost:8233'] });
    const [payload] = await codec.encode([secretPayload()]);
    encrypted = payloadToJson(payload!);
  });
  afterAll(() => endpoint?.close());

  async function post(path: string, headers: Record<string, string>, body: unknown = { payloads: [encrypted] }) {
    const res = await request(`${endpoint.url}${path}`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Namespace': 'default', ...headers }, body: JSON.stringify(body),
    });
    return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
  }

  it('answers 401 without the token, and no plaintext', async () => {
    const attempts: Record<string, string>[] = [{}, { Origin: UI }, { Authorization: 'Bearer wrong-token-0123456789' }, { Cookie: `${SESSION_COOKIE}=wrong` }];
    for (const headers of attempts) {
      const res = await post('/decode', headers);
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer realm=/);
      expect(res.text).not.toContain(MARKER);
      expect(res.text).not.toContain('payloads');
    }
    // The browser must be able to read the 401 (else the UI shows a CORS error instead).
    expect((await post('/decode', { Origin: UI })).headers['access-control-allow-origin']).toBe(UI);
    expect((await post('/encode', {}, { payloads: [payloadToJson(secretPayload())] })).status).toBe(401);
  });

  it('answers the CORS preflight of the Web UI, with credentials, and refuses other origins', async () => {
    const preflight = (origin: string) => request(`${endpoint.url}/decode?preserveStorageRefs=true`, {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type,x-namespace' },
    });
    const ok = await preflight(UI);
    await ok.body.dump();
    expect(ok.statusCode).toBe(204);
    expect(ok.headers['access-control-allow-origin']).toBe(UI);
    expect(ok.headers['access-control-allow-credentials']).toBe('true');
    expect(ok.headers['access-control-allow-methods']).toContain('POST');
    const allowedHeaders = String(ok.headers['access-control-allow-headers']).toLowerCase().split(/,\s*/);
    expect(allowedHeaders).toEqual(expect.arrayContaining(['authorization', 'content-type', 'x-namespace']));

    const evil = await preflight('http://evil.example');
    await evil.body.dump();
    expect(evil.statusCode).toBe(403);
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('decodes with the bearer token, as the Web UI and the CLI send it', async () => {
    const res = await post('/decode?preserveStorageRefs=true', { Authorization: `Bearer ${TOKEN}`, Origin: UI });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(UI);
    const { payloads } = JSON.parse(res.text) as { payloads: Parameters<typeof payloadFromJson>[0][] };
    expect(payloads).toHaveLength(1);
    expect(defaultPayloadConverter.fromPayload(payloadFromJson(payloads[0]!))).toEqual({
      vdu_params: [{ new_vnfc_param: { username: 'ubuntu', password: MARKER } }],
    });
    expect(Buffer.from(payloads[0]!.metadata!.encoding!, 'base64').toString()).toBe('json/plain');
  });

  it('encodes for the Web UI (e.g. a signal typed in the UI) so that the codec decodes it', async () => {
    const res = await post('//encode', { Authorization: `Bearer ${TOKEN}` }, { payloads: [payloadToJson(secretPayload())] });
    expect(res.status).toBe(200);
    const { payloads } = JSON.parse(res.text) as { payloads: Parameters<typeof payloadFromJson>[0][] };
    expect(Buffer.from(payloads[0]!.metadata!.encoding!, 'base64').toString()).toBe(ENCODING_ENCRYPTED);
    const [decoded] = await codec.decode([payloadFromJson(payloads[0]!)]);
    expect(plain(decoded!)).toEqual(plain(secretPayload()));
  });

  it('signs a browser in with an HttpOnly cookie that the Web UI origin may use, and no other origin', async () => {
    const wrong = await request(`${endpoint.url}/session`, {
      method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'token=nope',
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    await wrong.body.dump();

    const signIn = await request(`${endpoint.url}/session`, {
      method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: TOKEN }).toString(),
    });
    await signIn.body.dump();
    expect(signIn.statusCode).toBe(303);
    const setCookie = String(signIn.headers['set-cookie']);
    expect(setCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=`));
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    const cookie = setCookie.split(';')[0]!;

    const fromUi = await post('/decode', { Cookie: cookie, Origin: UI });
    expect(fromUi.status).toBe(200);
    expect(fromUi.text).toContain(Buffer.from('json/plain').toString('base64'));
    const fromElsewhere = await post('/decode', { Cookie: cookie, Origin: 'http://evil.example' });
    expect(fromElsewhere.status).toBe(403);
    expect(fromElsewhere.text).not.toContain(MARKER);
  });

  it('reports a payload it cannot decrypt as 422 with the reason', async () => {
    const foreign = payloadToJson((await new EncryptionCodec(parseKeyList(K2)).encode([secretPayload()]))[0]!);
    const res = await post('/decode', { Authorization: `Bearer ${TOKEN}` }, { payloads: [foreign] });
    expect(res.status).toBe(422);
    expect(res.text).toContain("key 'k2', which is not in the keyring");
  });
});

describe('codec endpoint sessions', () => {
  const TOKEN = 'codec-token-for-tests-0123456789';
  const UI = 'http://127.0.0.1:8233';
  const codec = new EncryptionCodec(parseKeyList(K1));
  const clock = new ManualClock();
  let endpoint: RunningCodecEndpoint;
  let encrypted: ReturnType<typeof payloadToJson>;
  beforeAll(async () => {
    endpoint = await startCodecEndpoint({ codec, token: TOKEN, allowedOrigins: [UI], now: clock.now });
    encrypted = payloadToJson((await codec.encode([secretPayload()]))[0]!);
  });
  afterAll(() => endpoint?.close());

  async function signIn(): Promise<{ cookie: string; setCookie: string }> {
    const res = await request(`${endpoint.url}/session`, {
      method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: TOKEN }).toString(),
    });
    await res.body.dump();
    expect(res.statusCode).toBe(303);
    const setCookie = String(res.headers['set-cookie']);
    return { cookie: setCookie.split(';')[0]!, setCookie };
  }

  async function decodeWith(cookie: string): Promise<number> {
    const res = await request(`${endpoint.url}/decode`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', Cookie: cookie, Origin: UI }, body: JSON.stringify({ payloads: [encrypted] }),
    });
    await res.body.dump();
    return res.statusCode;
  }

  async function signOut(cookie: string, headers: Record<string, string> = {}): Promise<number> {
    const res = await request(`${endpoint.url}/session/delete`, { method: 'POST', headers: { Cookie: cookie, ...headers } });
    await res.body.dump();
    return res.statusCode;
  }

  it('keeps a random session id in the cookie, never the token, and a new one at every sign-in', async () => {
    const first = await signIn();
    const second = await signIn();
    expect(first.cookie).not.toContain(TOKEN);
    expect(first.cookie).not.toContain(encodeURIComponent(TOKEN));
    expect(first.cookie).not.toBe(second.cookie);
    expect(await decodeWith(first.cookie)).toBe(200);
    expect(await decodeWith(`${SESSION_COOKIE}=${TOKEN}`)).toBe(401);
  });

  it('ends a session after hours: the cookie says when, and the endpoint refuses it afterwards', async () => {
    const { cookie, setCookie } = await signIn();
    expect(setCookie).toContain(`Max-Age=${SESSION_LIFETIME_MS / 1000}`);
    expect(SESSION_LIFETIME_MS).toBeLessThanOrEqual(12 * 3600 * 1000);
    expect(await decodeWith(cookie)).toBe(200);
    clock.advance(SESSION_LIFETIME_MS);
    expect(await decodeWith(cookie)).toBe(401);
  });

  it('revokes the session at sign-out: the same cookie replayed afterwards is refused', async () => {
    const { cookie } = await signIn();
    expect(await signOut(cookie)).toBe(303);
    expect(await decodeWith(cookie)).toBe(401);
  });

  it('refuses a sign-out posted from another origin, and the session stays open', async () => {
    const { cookie } = await signIn();
    expect(await signOut(cookie, { Origin: 'http://evil.example' })).toBe(403);
    expect(await decodeWith(cookie)).toBe(200);
  });

  it('marks the session cookie Secure when it serves https', async () => {
    const pki = makeTestPki([]);
    const tls = await startCodecEndpoint({ codec, token: TOKEN, allowedOrigins: [UI], https: pki.server });
    const trustingTheTestCa = new Agent({ connect: { ca: pki.ca } });
    try {
      const res = await request(`${tls.url}/session`, {
        method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: TOKEN }).toString(),
        dispatcher: trustingTheTestCa,
      });
      await res.body.dump();
      expect(res.statusCode).toBe(303);
      expect(String(res.headers['set-cookie'])).toMatch(/; Secure/);
    } finally {
      await trustingTheTestCa.close();
      await tls.close();
      pki.remove();
    }
  });
});
