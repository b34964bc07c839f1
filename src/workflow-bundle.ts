// The worker's workflow code as a prebuilt bundle. Webpack runs in a short-lived child process
// (its few hundred MiB leave with it) and only when the sources changed: the bundle is cached
// under a hash of everything that can go into it, and a worker whose sources match reuses it.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type BundleOptions } from '@temporalio/worker';
import { z } from 'zod';
import { PROJECT_ROOT } from './temporal-cli.ts';

export const WORKFLOWS_PATH = workflowsPathOf(PROJECT_ROOT);

/** The worker's optional override, read with the rest of its environment. */
export const WorkflowBundleEnv = z.object({
  /** A prebuilt bundle (`bundleWorkflowCode(...).code` in a file), used as is: no hash check, no build. */
  WORKFLOW_BUNDLE_PATH: z.string().min(1).optional(),
});

/** Where a worker with this DATA_DIR keeps its bundles: written where every deployment can write. */
export function bundleCacheDir(dataDir: string): string {
  return join(dataDir, 'workflow-bundle');
}

/**
 * The bundle of `root`'s workflow code in `cacheDir`: the cached file when its hash matches the
 * sources, else one built now by a child process. Bundles of other sources unused for an hour are
 * removed after a build.
 */
export async function cachedWorkflowBundle(cacheDir: string, root = PROJECT_ROOT, log: (line: string) => void = console.log): Promise<{ codePath: string }> {
  const cached = join(cacheDir, `${workflowSourceHash(root)}.js`);
  if (existsSync(cached)) {
    // Marks the bundle as in use, so a build for other sources sharing the folder keeps it.
    const now = new Date();
    utimesSync(cached, now, now);
    log(`workflow bundle ${shown(cached)} (cached)`);
    return { codePath: cached };
  }
  const started = Date.now();
  const codePath = await buildInChildProcess(cacheDir, root);
  log(`workflow bundle ${shown(codePath)} (built in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  pruneUnused(cacheDir, codePath);
  return { codePath };
}

function shown(path: string): string {
  const inProject = relative(process.cwd(), path);
  return inProject.startsWith('..') ? path : inProject;
}

/**
 * Hash of everything the bundle of `root`'s workflow code is made of: the files reachable from
 * src/workflows/index.ts by relative imports, the package.json files that govern them, the
 * lockfiles standing for node_modules, the SDK version and the project's location (absolute paths
 * are in the bundle's source map). `buildBundle` refuses a bundle that read a file the hash does
 * not cover, so a cached bundle is never stale.
 */
export function workflowSourceHash(root = PROJECT_ROOT): string {
  const hash = createHash('sha256');
  const add = (label: string, content: string | Buffer): void => {
    hash.update(`${label}\0${content.length}\0`).update(content);
  };
  add('format', '1');
  add('root', root);
  for (const name of ['@temporalio/worker', '@temporalio/workflow']) add(name, sdkVersion(name));
  for (const file of hashedFiles(root)) add(relative(root, file), readFileSync(file));
  return hash.digest('hex');
}

function hashedFiles(root: string): string[] {
  const sources = workflowSources(workflowsPathOf(root));
  const governing = new Set<string>();
  for (const source of sources) {
    for (let dir = dirname(source); dir.startsWith(root); dir = dirname(dir)) governing.add(join(dir, 'package.json'));
  }
  const lockfiles = [join(root, 'package-lock.json'), join(root, 'node_modules', '.package-lock.json')];
  return [...sources, ...[...governing, ...lockfiles].filter(isFile)].sort();
}

/**
 * `entry` and every file it reaches through a relative module specifier. Type-only imports are
 * skipped (they are erased before bundling); any other relative string literal counts, so the
 * scan errs on the side of hashing too much.
 */
function workflowSources(entry: string): string[] {
  const found = new Set<string>();
  const pending = [entry];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (found.has(file)) continue;
    found.add(file);
    const code = readFileSync(file, 'utf8').replace(/\b(?:import|export)\s+type\s[^;'"]*?\bfrom\s*(['"])[^'"]*\1/g, '');
    for (const [, specifier] of code.matchAll(/['"](\.{1,2}\/[^'"\n]*)['"]/g)) {
      const target = resolve(dirname(file), specifier ?? '');
      const resolved = [target, target.replace(/\.js$/, '.ts'), `${target}.ts`, `${target}.js`, join(target, 'index.ts')].find(isFile);
      if (resolved) pending.push(resolved);
    }
  }
  return [...found];
}

function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
}

const require = createRequire(import.meta.url);
function sdkVersion(name: string): string {
  return z.object({ version: z.string() }).parse(require(`${name}/package.json`)).version;
}

function workflowsPathOf(root: string): string {
  return join(root, 'src', 'workflows', 'index.ts');
}

function buildInChildProcess(cacheDir: string, root: string): Promise<string> {
  // The child loads TypeScript like the worker; no other flag of this process (e.g. --cpu-prof) is passed on.
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), cacheDir, root], {
    cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
    process.stderr.write(chunk);
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      const codePath = stdout.trim().split('\n').at(-1) ?? '';
      if (code === 0 && existsSync(codePath)) resolve(codePath);
      else reject(new Error(`bundling the workflow code failed (${signal ?? `exit code ${code}`}): ${stderr.trim()}`));
    });
  });
}

/** Builds the bundle in this process and writes it to `cacheDir`/<hash>.js; returns the path. */
export async function buildBundle(cacheDir: string, root = PROJECT_ROOT): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const hash = workflowSourceHash(root);
    const inputs = new Set<string>();
    const { code } = await bundleWorkflowCode({
      workflowsPath: workflowsPathOf(root),
      logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: console.warn, error: console.error },
      webpackConfigHook: (config) => ({ ...config, plugins: [...(config.plugins ?? []), recordInputs(inputs)] }),
    });
    const hashed = new Set(hashedFiles(root));
    const uncovered = [...inputs].filter((file) => !coveredByHash(file, hashed));
    if (uncovered.length > 0) {
      throw new Error(`the workflow bundle read files its cache key does not cover (see workflowSourceHash): ${uncovered.join(', ')}`);
    }
    // A source edited while webpack read it: the bundle may match neither hash; build again.
    if (workflowSourceHash(root) !== hash) {
      if (attempt === 3) throw new Error('the sources kept changing while the workflow code was bundled');
      continue;
    }
    const codePath = join(cacheDir, `${hash}.js`);
    const partial = `${codePath}.${process.pid}.tmp`;
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(partial, code);
    renameSync(partial, codePath); // atomic: a concurrent worker reads a whole bundle or none
    return codePath;
  }
}

type WebpackPlugin = NonNullable<ReturnType<NonNullable<BundleOptions['webpackConfigHook']>>['plugins']>[number];
/** Webpack's own record of the files a compilation read (its watch mode relies on it). */
function recordInputs(inputs: Set<string>): WebpackPlugin {
  return {
    apply(compiler) {
      compiler.hooks.afterCompile.tap('RecordWorkflowBundleInputs', (compilation) => {
        for (const file of compilation.fileDependencies) inputs.add(file);
      });
    },
  };
}

/** Hashed files, installed packages (the lockfiles and SDK version stand for them), and folders or in-memory files webpack probed. */
function coveredByHash(file: string, hashed: Set<string>): boolean {
  return hashed.has(file) || file.includes(`${sep}node_modules${sep}`) || !isFile(file);
}

const UNUSED_FOR_MS = 60 * 60 * 1000;
function pruneUnused(cacheDir: string, keep: string): void {
  for (const name of readdirSync(cacheDir)) {
    const file = join(cacheDir, name);
    // Also what a build killed while writing left behind.
    if (!/^[0-9a-f]{64}\.js(\.\d+\.tmp)?$/.test(name) || file === keep) continue;
    try {
      if (Date.now() - statSync(file).mtimeMs > UNUSED_FOR_MS) rmSync(file, { force: true });
    } catch {
      // removed meanwhile by another worker's build
    }
  }
}

// The child process: `node --import tsx src/workflow-bundle.ts <cacheDir> [root]` prints the bundle's path.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [cacheDir, root] = process.argv.slice(2);
  if (!cacheDir) {
    console.error('usage: node --import tsx src/workflow-bundle.ts <cache folder> [project root]');
    process.exit(2);
  }
  buildBundle(cacheDir, root).then(
    (codePath) => {
      console.log(codePath);
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
