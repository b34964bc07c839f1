// The Temporal Web UI shows a change_vnfpkg input in plaintext only to a browser holding the
// codec credential. Its own dev server with the Web UI (the run's shared server is headless),
// pointed at a codec endpoint this test runs, and headless Chromium driving the real UI.
//
// How the dev server's UI (2.54) can authenticate to a codec endpoint, as observed here:
// - "Pass the user access token" sends `Authorization: Bearer <the UI's own login token>`, and
//   only to an https:// endpoint; the dev server's UI has no login, so it never sends one.
// - "Include cross-origin credentials" makes the UI fetch with `credentials: 'include'`: the
//   browser adds the HttpOnly cookie the codec endpoint's sign-in page (GET /) set. That is the
//   mode that works, and the one tested here.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EncryptionCodec } from '../src/codec/encryption-codec.ts';
import { createCodecApp } from '../src/codec/endpoint.ts';
import { parseKeyList } from '../src/codec/keyring.ts';
import { listen, requestListener } from '../src/http/listen.ts';
import { temporalCliPath } from '../src/temporal-cli.ts';
import { PROJECT_ROOT } from '../src/project-root.ts';
import type { ChangeVnfPkgInput } from '../src/lcm/change-vnfpkg-input.ts';
import { onChildProcessPort } from './support/ports.ts';
import { TEST_CODEC_KEYS, testDataConverter } from './support/system.ts';
import { eventually } from './support/wait.ts';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const MARKER = `vnfc-secret-${Date.now().toString(36)}`;
const TOKEN = 'ui-test-codec-token-0123456789';
const SCREENSHOTS = join(PROJECT_ROOT, 'test', '.tmp');

interface CodecRequest {
  method: string;
  path: string;
  status?: number;
  authorization?: string;
  cookie: boolean;
  origin?: string;
}

/** The seed's param file, with the test's marker as every password a VNFC or EM login needs. */
function secretInput(workflowId: string): ChangeVnfPkgInput {
  const params = JSON.parse(readFileSync(join(PROJECT_ROOT, 'samples', 'sample_param_file_for_coordination.json'), 'utf8')) as ChangeVnfPkgInput['request'];
  for (const vdu of params.additionalParams.vdu_params ?? []) {
    for (const vnfc of [vdu.old_vnfc_param, vdu.new_vnfc_param]) {
      if (!vnfc) continue;
      vnfc.password = MARKER;
      if (vnfc.authentication?.paramsBasic) vnfc.authentication.paramsBasic.password = MARKER;
    }
  }
  // `request` first: the UI's JSON view renders only the lines in view, and the marker must be
  // among them for the page text to prove anything either way.
  return {
    request: params,
    vnfLcmOpOccId: workflowId,
    vnfInstanceId: 'b6a9b2e5-0b7b-4a53-9a5e-5d4b8c3d2a10',
    sourceVnfdId: 'b1bb0ce7-ebca-4fa7-95ed-4840d70a1177',
    stack: { name: 'vnf-ui-test', id: 'stack-ui-test' },
    vnfcResourceInfo: [{ id: 'vnfc-1', vduId: 'VDU1', serverId: 'server-1' }],
    target: { vnfdId: params.vnfdId, vdus: { VDU1: { image: 'image-v2', flavor: 'm1.small' } }, coordinationActionNames: [] },
    links: { vnfLcmOpOcc: `http://127.0.0.1:9890/vnflcm/v2/vnf_lcm_op_occs/${workflowId}`, vnfInstance: 'http://127.0.0.1:9890/vnflcm/v2/vnf_instances/x' },
  };
}

let temporal: ChildProcess | undefined;
let temporalOutput = '';
let codecServer: Server;
let codecUrl: string;
let uiUrl: string;
let connection: Connection;
let workflowId: string;
const codecRequests: CodecRequest[] = [];
const userDataDirs: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (.ci/run does)`);
  mkdirSync(SCREENSHOTS, { recursive: true });
  let endpoint: RequestListener | undefined;
  codecServer = createServer((req, res) => {
    const entry: CodecRequest = {
      method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization,
      cookie: (req.headers.cookie ?? '').includes('vnfm_codec_session='), origin: req.headers.origin,
    };
    codecRequests.push(entry);
    res.on('finish', () => (entry.status = res.statusCode));
    endpoint?.(req, res);
  });
  codecUrl = await listen(codecServer, '127.0.0.1', 0);

  // The UI listens 1000 above the gRPC port (the CLI's default); a port taken by someone else
  // makes the server exit at start, and the next attempt draws another.
  connection = await onChildProcessPort(async (port) => {
    uiUrl = `http://127.0.0.1:${port + 1000}`;
    endpoint = await requestListener(createCodecApp({ codec: new EncryptionCodec(parseKeyList(TEST_CODEC_KEYS)), token: TOKEN, allowedOrigins: [uiUrl] }));
    temporalOutput = '';
    const child = spawn(temporalCliPath(), [
      'server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--ui-port', String(port + 1000),
      '--ui-codec-endpoint', codecUrl, '--ui-disable-news-fetch', '--log-level', 'error',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    temporal = child;
    for (const stream of [child.stdout, child.stderr]) stream?.on('data', (chunk: Buffer) => (temporalOutput += chunk.toString()));
    const exited = () => child.exitCode !== null || child.signalCode !== null;
    const connected = await eventually('the UI test\'s Temporal server to answer', async () => {
      if (exited()) return 'exited' as const;
      return Connection.connect({ address: `127.0.0.1:${port}`, connectTimeout: 1000 });
    });
    if (connected === 'exited') throw new Error(`UI test's Temporal server exited at start:\n${temporalOutput}`);
    return connected;
  });

  // No worker polls this queue: the workflow waits forever with its input in history.
  workflowId = `ui-codec-${Date.now()}`;
  const client = new Client({ connection, dataConverter: testDataConverter });
  await client.workflow.start('changeVnfPkg', { workflowId, taskQueue: 'ui-codec-no-worker', args: [secretInput(workflowId)] });
});

afterAll(async () => {
  await connection?.close();
  if (temporal && temporal.exitCode === null) {
    const exited = new Promise((resolve) => temporal?.once('exit', resolve));
    temporal.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (temporal.exitCode === null) temporal.kill('SIGKILL');
  }
  codecServer?.closeAllConnections();
  codecServer?.close();
  for (const dir of userDataDirs) rmSync(dir, { recursive: true, force: true });
});

/** A browser with a new, empty profile: no cookie, no codec settings. */
async function browser(): Promise<BrowserContext> {
  const dir = mkdtempSync(join(tmpdir(), 'vnfm-chromium-'));
  userDataDirs.push(dir);
  return chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, viewport: { width: 1280, height: 1000 } });
}

function workflowPage(): string {
  return `${uiUrl}/namespaces/default/workflows/${workflowId}`;
}

/** The Web UI's "Codec Server" dialog: this browser's endpoint, with or without the two toggles. */
async function configureBrowserCodec(page: Page, toggles: { includeCredentials: boolean; passAccessToken: boolean }): Promise<void> {
  await page.locator('[data-testid^="data-encoder-status"]:visible').first().click();
  const dialog = page.locator('#data-encoder-settings');
  await dialog.getByTestId('use-local-endpoint-input').check();
  await dialog.locator('#data-encoder-endpoint-input').fill(codecUrl);
  for (const [id, label, on] of [
    ['pass-access-token', 'Pass the user access token', toggles.passAccessToken],
    ['pass-access-credentials', 'Include cross-origin credentials', toggles.includeCredentials],
  ] as const) {
    if ((await dialog.locator(`#${id}`).isChecked()) !== on) await dialog.locator('label').filter({ hasText: label }).click();
    expect(await dialog.locator(`#${id}`).isChecked(), label).toBe(on);
  }
  await dialog.getByTestId('confirm-modal-button').click();
  // The UI applies a new codec setting to payloads it loads afterwards.
  await page.reload();
}

async function until(condition: () => boolean, what: string): Promise<void> {
  await eventually(what, condition).catch((err: Error) => {
    throw new Error(`${err.message}; codec requests: ${JSON.stringify(codecRequests)}`);
  });
}

const decodes = () => codecRequests.filter((r) => r.method === 'POST' && r.path.startsWith('/decode'));

describe('Temporal Web UI with the codec endpoint', () => {
  it('stores the change_vnfpkg input only as ciphertext in history', async () => {
    const raw = new Client({ connection }); // no codec: what the server and its UI hold
    const history = await raw.workflow.getHandle(workflowId).fetchHistory();
    expect(Buffer.from(proto.temporal.api.history.v1.History.encode(history).finish()).includes(MARKER)).toBe(false);
    const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
    expect(input.map((p) => Buffer.from(p.metadata?.encoding ?? []).toString())).toEqual(['binary/encrypted']);
    const [decoded] = await testDataConverter.payloadCodecs![0]!.decode(input);
    expect(Buffer.from(decoded?.data ?? []).toString()).toContain(MARKER);
  });

  it('shows the decoded input to a browser signed in at the codec endpoint with cross-origin credentials on', async () => {
    const context = await browser();
    try {
      const page = await context.newPage();
      await page.goto(`${codecUrl}/`);
      await page.locator('#token').fill(TOKEN);
      await page.locator('button[type=submit]').click();
      await page.locator('#status', { hasText: 'This browser is signed in' }).waitFor();

      await page.goto(workflowPage());
      await page.locator('[data-testid^="data-encoder-status"]:visible').first().waitFor();
      const before = decodes().length;
      await configureBrowserCodec(page, { includeCredentials: true, passAccessToken: false });
      await page.getByText(MARKER).first().waitFor({ timeout: 30_000 }).catch(async (err: unknown) => {
        await page.screenshot({ path: join(SCREENSHOTS, 'ui-codec-decoded-failure.png'), fullPage: true });
        throw err;
      });
      await page.screenshot({ path: join(SCREENSHOTS, 'ui-codec-decoded.png'), fullPage: true });

      const answered = decodes().slice(before);
      expect(answered.some((r) => r.status === 200 && r.cookie && r.origin === uiUrl)).toBe(true);
      expect(answered.every((r) => r.authorization === undefined)).toBe(true);
    } finally {
      await context.close();
    }
  });

  it('never shows the input in plaintext to a browser without the credential, and the endpoint answers 401', async () => {
    const context = await browser();
    try {
      const page = await context.newPage();
      const before = decodes().length;
      // 1. The cluster-level endpoint (--ui-codec-endpoint), as every UI user gets it.
      await page.goto(workflowPage());
      await until(() => decodes().slice(before).some((r) => r.status === 401), 'the UI to call the codec endpoint');
      await page.getByText('Codec Server could not connect').filter({ visible: true }).first().waitFor();
      await page.getByText('Input', { exact: true }).filter({ visible: true }).first().waitFor();
      await page.screenshot({ path: join(SCREENSHOTS, 'ui-codec-no-credential.png'), fullPage: true });
      expect(await page.content()).not.toContain(MARKER);

      // 2. This browser's own endpoint with cross-origin credentials, but never signed in.
      const second = decodes().length;
      await configureBrowserCodec(page, { includeCredentials: true, passAccessToken: false });
      await until(() => decodes().length > second, 'the UI to call the browser endpoint');
      await page.getByText('Codec Server could not connect').filter({ visible: true }).first().waitFor();
      expect(decodes().slice(second).every((r) => r.status === 401 && !r.cookie)).toBe(true);
      expect(await page.content()).not.toContain(MARKER);

      // 3. "Pass the user access token" cannot carry the codec token: the UI passes only its own
      //    login's token (the dev server's UI has none), and refuses an http:// endpoint with it.
      await page.locator('[data-testid^="data-encoder-status"]:visible').first().click();
      const dialog = page.locator('#data-encoder-settings');
      await dialog.locator('label').filter({ hasText: 'Pass the user access token' }).click();
      await dialog.getByText('Endpoint must be https:// if passing access token').waitFor();
      expect(await dialog.getByTestId('confirm-modal-button').isDisabled()).toBe(true);
      await dialog.getByTestId('cancel-modal-button').click();
      expect(codecRequests.filter((r) => r.authorization !== undefined)).toEqual([]);
      expect(codecRequests.filter((r) => r.path.startsWith('/decode') && r.status === 200 && !r.cookie)).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
