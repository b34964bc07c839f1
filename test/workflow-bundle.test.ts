// The workflow bundle is built with the code (npm ci, npm run build), never at run time, and a
// worker loads only the bundle its manifest vouches for, built from the sources it runs with.
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/project-root.ts';
import { buildWorkflowBundle, loadWorkflowBundle, WorkflowBundleError } from '../src/workflow-bundle.ts';
import { HISTORIES_DIR } from './support/histories.ts';
import { installQuietRuntime, replayDataConverter } from './support/system.ts';

installQuietRuntime();

const tmp = mkdtempSync(join(tmpdir(), 'workflow-bundle-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A copy of the project's sources (node_modules linked) to change without touching the real ones, with its bundle built. */
async function builtCopy(name: string): Promise<{ root: string; dir: string }> {
  const root = join(tmp, name);
  cpSync(join(PROJECT_ROOT, 'src'), join(root, 'src'), { recursive: true });
  for (const file of ['package.json', 'package-lock.json']) cpSync(join(PROJECT_ROOT, file), join(root, file));
  symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(root, 'node_modules'));
  const dir = join(root, 'dist', 'workflows');
  expect(await buildWorkflowBundle(dir, root)).toBe('built');
  return { root, dir };
}

let copy: { root: string; dir: string };
beforeAll(async () => {
  copy = await builtCopy('project');
});

async function refusal(load: () => unknown): Promise<WorkflowBundleError> {
  const err = await Promise.resolve().then(load).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowBundleError);
  return err as WorkflowBundleError;
}

it('leaves a current bundle as it is', async () => {
  const before = readFileSync(join(copy.dir, 'bundle.js'));

  expect(await buildWorkflowBundle(copy.dir, copy.root)).toBe('current');
  expect(readFileSync(join(copy.dir, 'bundle.js')).equals(before)).toBe(true);
});

it('names every project source the bundle was made from, and nothing the workflows do not import', () => {
  const manifest = JSON.parse(readFileSync(join(copy.dir, 'manifest.json'), 'utf8')) as { sources: Record<string, string> };
  const sources = Object.keys(manifest.sources);

  expect(sources).toEqual(expect.arrayContaining(['src/workflows/index.ts', 'src/workflows/operation-occurrence.ts', 'src/lcm/operation-lifecycle.ts']));
  expect(sources.filter((file) => file.startsWith('src/gateway/') || file.includes('node_modules'))).toEqual([]);
});

it('refuses a bundle whose content is not the one its manifest names', async () => {
  const altered = await builtCopy('altered');
  appendFileSync(join(altered.dir, 'bundle.js'), '\nglobalThis.injected = true;\n');

  const err = await refusal(() => loadWorkflowBundle(altered.dir, altered.root));

  expect(err.code).toBe('altered');
  expect(err.message).toMatch(/its content changed after the build\); run npm run build/);
});

it('refuses a bundle built from other sources, naming the file that changed', async () => {
  const edited = await builtCopy('edited');
  appendFileSync(join(edited.root, 'src', 'workflows', 'messages.ts'), '\n// an edit\n');

  const err = await refusal(() => loadWorkflowBundle(edited.dir, edited.root));

  expect(err.code).toBe('stale');
  expect(err.message).toContain('src/workflows/messages.ts changed');
  expect(await buildWorkflowBundle(edited.dir, edited.root)).toBe('built');
  expect(() => loadWorkflowBundle(edited.dir, edited.root)).not.toThrow();
});

it('keeps the bundle current when only code outside the workflows changes', () => {
  appendFileSync(join(copy.root, 'src', 'gateway', 'app.ts'), '\n// an edit\n');

  expect(() => loadWorkflowBundle(copy.dir, copy.root)).not.toThrow();
});

it('refuses a folder without a bundle, saying how to build one', async () => {
  const empty = join(tmp, 'empty');

  const err = await refusal(() => loadWorkflowBundle(empty, copy.root));

  expect(err.code).toBe('missing');
  expect(err.message).toMatch(/run npm run build/);
});

it('refuses a manifest that is not one', async () => {
  const forged = await builtCopy('forged');
  writeFileSync(join(forged.dir, 'manifest.json'), '{"format": 1}');

  expect((await refusal(() => loadWorkflowBundle(forged.dir, forged.root))).code).toBe('altered');
});

it('runs the workflows: a recorded history replays on the built bundle', async () => {
  const history = historyFromJSON(JSON.parse(readFileSync(join(HISTORIES_DIR, 'change-sync-em.json'), 'utf8')));

  await Worker.runReplayHistory({ workflowBundle: loadWorkflowBundle(copy.dir, copy.root), dataConverter: replayDataConverter, replayName: 'built bundle' }, history);
});
