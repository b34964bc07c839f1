// The worker's workflow code is bundled when the code is built (`npm ci` and `npm run build`
// run this file), as samples-typescript's production sample does; never at run time. The build
// writes the bundle and a manifest beside it: the bundle's own SHA-256, and the SHA-256 of every
// source file webpack read (webpack's own record of its inputs). A worker loads the bundle only
// when it is byte for byte the one the manifest names and the manifest names the sources the
// worker runs with: a stale or altered bundle is refused, with the command that fixes it.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type BundleOptions } from '@temporalio/worker';
import { z } from 'zod';
import { FAILURE_CONVERTER_PATH } from './codec/encryption-codec.ts';
import { DEFAULT_WORKFLOW_BUNDLE_DIR as DEFAULT_BUNDLE_DIR } from './config.ts';
import { PROJECT_ROOT } from './project-root.ts';


const BUNDLE_FILE = 'bundle.js';
const MANIFEST_FILE = 'manifest.json';
const SDK_PACKAGES = ['@temporalio/worker', '@temporalio/workflow'] as const;

/** How the bundle is made, besides its sources: a bundle made another way is stale too. */
const RECIPE = {
  workflows: 'src/workflows/index.ts',
  // Workflows encode failure messages like every other part (see src/codec/failure-converter.cjs).
  failureConverter: relative(PROJECT_ROOT, FAILURE_CONVERTER_PATH),
};

const Manifest = z.object({
  format: z.literal(1),
  recipe: z.object({ workflows: z.string(), failureConverter: z.string() }),
  /** SHA-256 (hex) of bundle.js. */
  bundleSha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** Installed versions of the SDK packages that built it. */
  sdk: z.record(z.string(), z.string()),
  /** SHA-256 of each source file the bundle was made from, by path relative to the project. */
  sources: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/)),
  /** SHA-256 of package-lock.json: stands for everything under node_modules that went in. */
  lockfileSha256: z.string(),
});
type Manifest = z.infer<typeof Manifest>;

/** A bundle that must not be loaded; `code` says why, the message what to do. */
export class WorkflowBundleError extends Error {
  override readonly name = 'WorkflowBundleError';
  constructor(readonly code: 'missing' | 'altered' | 'stale', detail: string) {
    super(detail);
  }
}

/**
 * The verified bundle code, ready for `Worker.create({ workflowBundle })`. The code handed over
 * is the very buffer that was hashed, so nothing can change it between the check and the load.
 */
export function loadWorkflowBundle(dir = DEFAULT_BUNDLE_DIR, root = PROJECT_ROOT): { code: string } {
  const manifest = readManifest(dir);
  const code = readFileSync(join(dir, BUNDLE_FILE));
  if (sha256(code) !== manifest.bundleSha256) {
    throw new WorkflowBundleError('altered', `${join(dir, BUNDLE_FILE)} is not the bundle its manifest names (its content changed after the build); run npm run build`);
  }
  const stale = staleness(manifest, root);
  if (stale) throw new WorkflowBundleError('stale', `${join(dir, BUNDLE_FILE)} was built from other sources (${stale}); run npm run build`);
  return { code: code.toString('utf8') };
}

/** Builds the bundle of `root`'s workflow code into `dir` unless the one there is current; answers what it did. */
export async function buildWorkflowBundle(dir = DEFAULT_BUNDLE_DIR, root = PROJECT_ROOT): Promise<'built' | 'current'> {
  try {
    loadWorkflowBundle(dir, root);
    return 'current';
  } catch (err) {
    if (!(err instanceof WorkflowBundleError)) throw err;
  }
  const inputs = new Set<string>();
  const { code } = await bundleWorkflowCode({
    workflowsPath: join(root, RECIPE.workflows),
    failureConverterPath: join(root, RECIPE.failureConverter),
    logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: console.warn, error: console.error },
    webpackConfigHook: (config) => ({ ...config, plugins: [...(config.plugins ?? []), recordInputs(inputs)] }),
  });
  const manifest: Manifest = {
    format: 1,
    recipe: RECIPE,
    bundleSha256: sha256(Buffer.from(code)),
    sdk: sdkVersions(),
    sources: Object.fromEntries([...inputs].filter((file) => isSource(file, root)).sort()
      .map((file) => [relative(root, file), sha256(readFileSync(file))])),
    lockfileSha256: sha256(readFileSync(join(root, 'package-lock.json'))),
  };
  mkdirSync(dir, { recursive: true });
  // Bundle first, manifest last, each replaced atomically: a worker starting meanwhile sees the
  // old pair, or a new bundle its old manifest refuses (and is told to rebuild), never half a file.
  writeAtomically(join(dir, BUNDLE_FILE), code);
  writeAtomically(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  // A source edited while webpack read it would make this bundle stale at once: say so now.
  const stale = staleness(manifest, root);
  if (stale) throw new WorkflowBundleError('stale', `the sources changed while the workflow code was bundled (${stale}); build again`);
  return 'built';
}

function readManifest(dir: string): Manifest {
  let text: string;
  try {
    text = readFileSync(join(dir, MANIFEST_FILE), 'utf8');
  } catch {
    throw new WorkflowBundleError('missing', `no workflow bundle in ${dir} (${MANIFEST_FILE} is missing); run npm run build`);
  }
  const parsed = Manifest.safeParse(safeJson(text));
  if (!parsed.success) throw new WorkflowBundleError('altered', `${join(dir, MANIFEST_FILE)} is not a workflow bundle manifest; run npm run build`);
  return parsed.data;
}

/** What differs between the sources the manifest names and the ones here, or undefined. */
function staleness(manifest: Manifest, root: string): string | undefined {
  if (JSON.stringify(manifest.recipe) !== JSON.stringify(RECIPE)) return 'it was made another way';
  for (const [name, version] of Object.entries(sdkVersions())) {
    if (manifest.sdk[name] !== version) return `${name} ${manifest.sdk[name] ?? 'absent'} then, ${version} now`;
  }
  if (manifest.lockfileSha256 !== sha256(readFileSync(join(root, 'package-lock.json')))) return 'package-lock.json changed';
  for (const [file, hash] of Object.entries(manifest.sources)) {
    const path = join(root, file);
    if (!isFile(path)) return `${file} is gone`;
    if (sha256(readFileSync(path)) !== hash) return `${file} changed`;
  }
  return undefined;
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

/** A file of the project itself (installed packages are covered by the lockfile and SDK versions). */
function isSource(file: string, root: string): boolean {
  return file.startsWith(`${root}${sep}`) && !file.includes(`${sep}node_modules${sep}`) && isFile(file);
}

const require = createRequire(import.meta.url);
function sdkVersions(): Record<string, string> {
  return Object.fromEntries(SDK_PACKAGES.map((name) => [name, z.object({ version: z.string() }).parse(require(`${name}/package.json`)).version]));
}

function writeAtomically(path: string, content: string): void {
  const partial = `${path}.${process.pid}.tmp`;
  writeFileSync(partial, content);
  renameSync(partial, path);
}

function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

// `npm run build` (and `npm ci`, through postinstall): `tsx src/workflow-bundle.ts [dir]`.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = process.argv[2] ?? DEFAULT_BUNDLE_DIR;
  const started = Date.now();
  buildWorkflowBundle(dir).then(
    (outcome) => console.log(`workflow bundle ${relative(process.cwd(), join(dir, BUNDLE_FILE))}: ${outcome === 'built' ? `built in ${((Date.now() - started) / 1000).toFixed(1)} s` : 'current'}`),
    (err: unknown) => {
      console.error(`workflow bundle: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
