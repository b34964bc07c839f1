// The worker's prebuilt workflow bundle: built once per content of the workflow code, reused
// while that content is unchanged, never reused after it changed, and runnable by a Worker.
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/temporal-cli.ts';
import { cachedWorkflowBundle, workflowSourceHash } from '../src/workflow-bundle.ts';
import { HISTORIES_DIR } from './support/histories.ts';
import { installQuietRuntime, testDataConverter } from './support/system.ts';

installQuietRuntime();

const tmp = mkdtempSync(join(tmpdir(), 'workflow-bundle-'));
const cacheDir = join(tmp, 'cache');
const quiet = () => undefined;
let built: string;
beforeAll(async () => {
  ({ codePath: built } = await cachedWorkflowBundle(cacheDir, PROJECT_ROOT, quiet));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A copy of the project's sources (not node_modules) to change without touching the real ones. */
function projectCopy(name: string): string {
  const root = join(tmp, name);
  cpSync(join(PROJECT_ROOT, 'src'), join(root, 'src'), { recursive: true });
  for (const file of ['package.json', 'package-lock.json']) cpSync(join(PROJECT_ROOT, file), join(root, file));
  return root;
}

it('reuses the cached bundle while the workflow sources are unchanged', async () => {
  const before = statSync(built);
  const { codePath } = await cachedWorkflowBundle(cacheDir, PROJECT_ROOT, quiet);

  expect(codePath).toBe(built);
  expect(statSync(codePath).ino).toBe(before.ino); // the same file, not a rebuilt one
  expect(readdirSync(cacheDir)).toHaveLength(1);
});

it('changes the hash when a workflow source changes', () => {
  const root = projectCopy('changed-workflow');
  const unchanged = workflowSourceHash(root);
  appendFileSync(join(root, 'src', 'workflows', 'messages.ts'), '\n// an edit\n');

  expect(workflowSourceHash(root)).not.toBe(unchanged);
});

it('changes the hash when a module the workflows import changes', () => {
  const root = projectCopy('changed-import');
  const unchanged = workflowSourceHash(root);
  appendFileSync(join(root, 'src', 'sol003', 'redact.ts'), '\n// an edit\n');

  expect(workflowSourceHash(root)).not.toBe(unchanged);
});

it('keeps the hash when only code outside the workflow bundle changes', () => {
  const root = projectCopy('changed-gateway');
  const unchanged = workflowSourceHash(root);
  appendFileSync(join(root, 'src', 'gateway', 'app.ts'), '\n// an edit\n');

  expect(workflowSourceHash(root)).toBe(unchanged);
});

it('refuses to cache a bundle that read a file its hash does not cover', async () => {
  // A package.json "imports" alias: webpack follows it, the hash's relative-import scan does not.
  const root = join(tmp, 'uncovered');
  mkdirSync(join(root, 'src', 'workflows'), { recursive: true });
  symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(root, 'node_modules'));
  writeFileSync(join(root, 'package.json'), JSON.stringify({ type: 'module', imports: { '#greeting': './src/greeting.ts' } }));
  writeFileSync(join(root, 'src', 'greeting.ts'), "export const greeting = 'hello';\n");
  writeFileSync(join(root, 'src', 'workflows', 'index.ts'), "import { greeting } from '#greeting';\nexport async function hello(): Promise<string> {\n  return greeting;\n}\n");
  const uncoveredCache = join(tmp, 'uncovered-cache');
  mkdirSync(uncoveredCache);

  await expect(cachedWorkflowBundle(uncoveredCache, root, quiet)).rejects.toThrow(/does not cover .*\/uncovered\/src\/greeting\.ts/);
  expect(readdirSync(uncoveredCache)).toEqual([]);
});

it('runs the workflows: a recorded history replays on the cached bundle file', async () => {
  const history = historyFromJSON(JSON.parse(readFileSync(join(HISTORIES_DIR, 'change-sync-em.json'), 'utf8')));

  await Worker.runReplayHistory({ workflowBundle: { codePath: built }, dataConverter: testDataConverter, replayName: 'cached bundle' }, history);
});
