// The SOL005 VNF package management face of the VNFM (vnfpkgm v1, API version 2.1.0, as
// Tacker serves it). Each route checks the request (Version, Content-Type, body) and hands
// the package's state to src/packages/lifecycle.ts; it renders VnfPkgInfo from the record.
//
// Upload (PUT package_content) is processed before the answer: 202 means the package is
// ONBOARDED by the time the client reads it. A package that fails the checks is answered
// with the ProblemDetails (400 no ZIP, 413 too large, 422 invalid CSAR, 409 vnfdId taken),
// nothing of it is stored, and the package is back in CREATED with the same ProblemDetails
// in onboardingFailureDetails, ready for another upload.
import { createReadStream, existsSync, statSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { zipSync } from 'fflate';
import { HttpProblem } from '../http/problem.ts';
import { matchesFilter, parseFilter } from '../http/sol013-filter.ts';
import { sendEmpty, sendJson, type Handler, type RequestContext, type Router } from '../http/server.ts';
import type { InventoryStore, VnfPkgInfoRecord } from '../inventory/store.ts';
import { buildCsar, DEFAULT_CSAR_LIMITS, type CsarLimits } from '../packages/csar.ts';
import {
  abandonUpload, beginUpload, createVnfPackage, deleteVnfPackage, modifyVnfPackage, packageProblem, packageOrThrow,
  processUpload, usageState, type PackageStores,
} from '../packages/lifecycle.ts';
import { readVnfdFiles, type PackageRepository } from '../packages/repository.ts';
import {
  CreateVnfPkgInfoRequest, VNFPKGM_API_VERSION, VNFPKGM_BASE, VnfPkgInfoModifications, type VnfPkgInfo,
} from '../sol005/models.ts';

export interface VnfPackageRouteDependencies {
  inventory: InventoryStore;
  repository: PackageRepository;
  /** Public base URL, for Location headers and _links. */
  apiRoot: string;
  /** Size and file-count limits of an uploaded package (defaults: DEFAULT_CSAR_LIMITS). */
  limits?: Partial<CsarLimits>;
  log?: (line: string) => void;
}

const PACKAGES = `${VNFPKGM_BASE}/vnf_packages`;
/** Attributes of VnfPkgInfo a `filter` query parameter may name (SOL013 §5.2). */
const FILTERABLE: ReadonlySet<string> = new Set<keyof VnfPkgInfo>([
  'id', 'vnfdId', 'vnfProvider', 'vnfProductName', 'vnfSoftwareVersion', 'vnfdVersion',
  'onboardingState', 'operationalState', 'usageState',
]);

export function registerVnfPackageRoutes(router: Router, deps: VnfPackageRouteDependencies): Router {
  const stores: PackageStores = { inventory: deps.inventory, repository: deps.repository };
  const limits: CsarLimits = { ...DEFAULT_CSAR_LIMITS, ...deps.limits };
  const render = (pkg: VnfPkgInfoRecord): VnfPkgInfo => renderVnfPkgInfo(pkg, deps.inventory, deps.apiRoot);
  const on = (method: string, path: string, handler: Handler): void => void router.on(method, path, versioned(handler));

  router.on('GET', `${VNFPKGM_BASE}/api_versions`, ({ res }) =>
    sendJson(res, 200, { uriPrefix: VNFPKGM_BASE, apiVersions: [{ version: VNFPKGM_API_VERSION, isDeprecated: false }] }));

  on('POST', PACKAGES, async (ctx) => {
    requireContentType(ctx.req, ['application/json']);
    const request = await ctx.json(CreateVnfPkgInfoRequest);
    const pkg = createVnfPackage(deps.inventory, request);
    deps.log?.(`VNF package ${pkg.id} created`);
    sendJson(ctx.res, 201, render(pkg), { Location: `${deps.apiRoot}${PACKAGES}/${pkg.id}` });
  });

  on('GET', PACKAGES, ({ res, url }) => {
    for (const selector of ['fields', 'exclude_fields', 'exclude_default', 'nextpage_opaque_marker']) {
      if (url.searchParams.has(selector)) throw new HttpProblem(400, `the query parameter ${selector} is not supported; all attributes are returned`);
    }
    const terms = parseFilter(url.searchParams.get('filter'), FILTERABLE);
    sendJson(res, 200, deps.inventory.packageInfos().map(render).filter((pkg) => matchesFilter(pkg, terms)));
  });

  on('GET', `${PACKAGES}/:id`, ({ res, params }) =>
    sendJson(res, 200, render(lookup(deps.inventory, params.id))));

  on('PATCH', `${PACKAGES}/:id`, async (ctx) => {
    requireContentType(ctx.req, ['application/merge-patch+json', 'application/json']);
    lookup(deps.inventory, ctx.params.id);
    const modifications = await ctx.json(VnfPkgInfoModifications);
    const applied = refusing(() => modifyVnfPackage(deps.inventory, ctx.params.id ?? '', modifications));
    deps.log?.(`VNF package ${ctx.params.id} modified: ${Object.keys(applied).join(', ')}`);
    sendJson(ctx.res, 200, applied);
  });

  on('DELETE', `${PACKAGES}/:id`, async ({ res, params }) => {
    lookup(deps.inventory, params.id);
    await refusingAsync(() => deleteVnfPackage(stores, params.id ?? ''));
    deps.log?.(`VNF package ${params.id} deleted`);
    sendEmpty(res, 204);
  });

  on('PUT', `${PACKAGES}/:id/package_content`, async ({ req, res, params }) => {
    const id = params.id ?? '';
    lookup(deps.inventory, id);
    requireContentType(req, ['application/zip']);
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > limits.maxArchiveBytes) {
      throw new HttpProblem(413, `the package is ${declared} bytes; at most ${limits.maxArchiveBytes} are accepted`);
    }
    refusing(() => beginUpload(deps.inventory, id));
    let archive: Uint8Array;
    try {
      archive = await readRawBody(req, limits.maxArchiveBytes);
    } catch (err) {
      const problem = packageProblem(err);
      abandonUpload(deps.inventory, id, problem);
      throw problem;
    }
    try {
      const pkg = await processUpload(stores, id, archive, { limits });
      deps.log?.(`VNF package ${id} onboarded: vnfdId ${pkg.vnfd.vnfdId}`);
    } catch (err) {
      const problem = packageProblem(err);
      deps.log?.(`VNF package ${id} refused: ${problem.detail}`);
      throw problem;
    }
    sendEmpty(res, 202);
  });

  on('GET', `${PACKAGES}/:id/package_content`, async ({ req, res, params }) => {
    const pkg = onboarded(lookup(deps.inventory, params.id));
    requireAccept(req, ['application/zip']);
    const archivePath = deps.repository.archivePath(pkg.id);
    if (existsSync(archivePath)) {
      res.writeHead(200, { 'Content-Type': 'application/zip', 'Content-Length': statSync(archivePath).size });
      await pipeline(createReadStream(archivePath), res);
      return;
    }
    if (!pkg.contentDir) throw new HttpProblem(500, `VNF package ${pkg.id} has no stored content`);
    // Onboarded from a folder by the older sample seeding: zip the folder.
    sendBytes(res, 'application/zip', buildCsar(pkg.contentDir));
  });

  on('GET', `${PACKAGES}/:id/vnfd`, ({ req, res, params }) => {
    const pkg = onboarded(lookup(deps.inventory, params.id));
    const accepted = requireAccept(req, ['text/plain', 'application/zip']);
    if (!pkg.contentDir) throw new HttpProblem(500, `VNF package ${pkg.id} has no stored content`);
    const { meta, files } = readVnfdFiles(pkg.contentDir);
    const yamlFiles = [...files.keys()].filter((p) => /\.ya?ml$/i.test(p));
    const entry = files.get(meta.entryDefinitions);
    if (accepted.includes('text/plain') && yamlFiles.length === 1 && entry) {
      sendBytes(res, 'text/plain; charset=utf-8', entry);
    } else if (accepted.includes('application/zip')) {
      sendBytes(res, 'application/zip', zipSync(Object.fromEntries(files)));
    } else {
      throw new HttpProblem(406, `the VNFD of VNF package ${pkg.id} is ${yamlFiles.length} files (${yamlFiles.join(', ')}); accept application/zip to get them`);
    }
  });

  return router;
}

export function renderVnfPkgInfo(pkg: VnfPkgInfoRecord, inventory: InventoryStore, apiRoot: string): VnfPkgInfo {
  const self = `${apiRoot}${PACKAGES}/${pkg.id}`;
  const { vnfd } = pkg;
  return {
    id: pkg.id,
    ...(vnfd ? {
      vnfdId: vnfd.vnfdId,
      vnfProvider: vnfd.vnfProvider,
      vnfProductName: vnfd.vnfProductName,
      vnfSoftwareVersion: vnfd.vnfSoftwareVersion,
      vnfdVersion: vnfd.vnfdVersion,
    } : {}),
    checksum: pkg.checksum,
    softwareImages: pkg.softwareImages,
    onboardingState: pkg.onboardingState,
    operationalState: pkg.operationalState,
    usageState: usageState(inventory, pkg),
    userDefinedData: pkg.userDefinedData ?? {},
    onboardingFailureDetails: pkg.onboardingFailureDetails,
    _links: {
      self: { href: self },
      ...(pkg.onboardingState === 'ONBOARDED' ? { vnfd: { href: `${self}/vnfd` } } : {}),
      packageContent: { href: `${self}/package_content` },
    },
  };
}

/** SOL013 §4.9: every request names the API version; 2.x is what we serve (not api_versions). */
function versioned(handler: Handler): Handler {
  return (ctx: RequestContext) => {
    const version = ctx.req.headers.version;
    if (version === undefined) throw new HttpProblem(400, `the Version header is missing; this API is version ${VNFPKGM_API_VERSION}`);
    if (typeof version !== 'string' || !/^2\.\d+\.\d+$/.test(version.trim())) {
      throw new HttpProblem(406, `API version ${String(version)} is not supported; supported: ${VNFPKGM_API_VERSION}`);
    }
    return handler(ctx);
  };
}

function lookup(inventory: InventoryStore, id: string | undefined): VnfPkgInfoRecord {
  return refusing(() => packageOrThrow(inventory, id ?? ''));
}

function onboarded(pkg: VnfPkgInfoRecord): VnfPkgInfoRecord {
  if (pkg.onboardingState !== 'ONBOARDED') throw new HttpProblem(409, `VNF package ${pkg.id} is ${pkg.onboardingState}; its content is available once it is ONBOARDED`);
  return pkg;
}

function refusing<T>(call: () => T): T {
  try {
    return call();
  } catch (err) {
    throw packageProblem(err);
  }
}

async function refusingAsync<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw packageProblem(err);
  }
}

function mediaType(header: string | undefined): string | undefined {
  return header?.split(';')[0]?.trim().toLowerCase() || undefined;
}

function requireContentType(req: IncomingMessage, allowed: string[]): void {
  const type = mediaType(req.headers['content-type']);
  if (type === undefined || !allowed.includes(type)) {
    throw new HttpProblem(415, `Content-Type ${type ?? '(none)'} is not supported here; send ${allowed.join(' or ')}`);
  }
}

/** The offered types the Accept header allows (no header, or a wildcard, allows all); 406 if none. */
function requireAccept(req: IncomingMessage, offered: string[]): string[] {
  const header = req.headers.accept;
  if (header === undefined || header.trim() === '') return offered;
  const ranges = header.split(',').map((r) => mediaType(r)).filter((r): r is string => r !== undefined);
  const allowed = offered.filter((type) => ranges.some((range) =>
    range === type || range === '*/*' || (range.endsWith('/*') && type.startsWith(range.slice(0, -1)))));
  if (allowed.length === 0) throw new HttpProblem(406, `Accept ${header} allows none of ${offered.join(', ')}`);
  return allowed;
}

async function readRawBody(req: IncomingMessage, maxBytes: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new HttpProblem(413, `the package exceeds ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  const body = Buffer.concat(chunks);
  return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
}

function sendBytes(res: RequestContext['res'], contentType: string, body: Uint8Array): void {
  res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': body.length });
  res.end(body);
}
