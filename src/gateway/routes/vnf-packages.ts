// SOL005 §9.4 VNF packages (vnfpkgm v1, API version 2.1.0, as Tacker serves it): create, list,
// read, enable/disable, delete, upload the content, read the VNFD and the content. Each route
// hands the package's state to src/packages/lifecycle.ts and renders VnfPkgInfo from the record.
//
// Upload (PUT package_content) is processed before the answer: 202 means the package is
// ONBOARDED by the time the client reads it. A package that fails the checks is answered
// with the ProblemDetails (400 no ZIP, 413 too large, 422 invalid CSAR, 409 vnfdId taken),
// nothing of it is stored, and the package is back in CREATED with the same ProblemDetails
// in onboardingFailureDetails, ready for another upload.
import { createReadStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { zipSync } from 'fflate';
import { z } from 'zod';
import { inScope, type App } from '../../http/app.ts';
import { acceptJson, acceptStream } from '../../http/body-parsers.ts';
import { HttpProblem } from '../../http/problem.ts';
import type { ResourceModel } from '../../http/sol013-selectors.ts';
import type { InventoryStore } from '../../inventory/store.ts';
import { buildCsar, DEFAULT_CSAR_LIMITS, type CsarLimits } from '../../packages/csar.ts';
import {
  abandonUpload, beginUpload, createVnfPackage, deleteVnfPackage, modifyVnfPackage, orUnexpected, packageProblem, processUpload, type PackageStores,
} from '../../packages/lifecycle.ts';
import type { PackageRepository } from '../../packages/repository.ts';
import { CreateVnfPkgInfoRequest, UploadVnfPkgFromUriRequest, VnfPkgInfo, VnfPkgInfoModifications } from '../../sol005/models.ts';
import { PackageDownloader } from '../../packages/download.ts';
import { ANY_MEDIA_TYPE } from '../content-negotiation.ts';
import { binary, bytes, empty, json, LOCATION, problem } from '../answers.ts';
import { describeStream } from '../openapi.ts';
import { lookup, onboarded, PACKAGES, readUpload, refusingAsync, renderVnfPkgInfo } from '../vnf-packages.ts';
import type { CsarInspector } from '../../packages/csar-inspection.ts';
import { DEFAULT_PAGE_SIZE, listRequest, ListQuery, NEXT_PAGE_LINK, pageOf, type ListPaging } from '../collections.ts';
import { PageMarkers } from '../page-markers.ts';
import { IdParams } from './params.ts';

export interface VnfPackageRouteDependencies {
  inventory: InventoryStore;
  repository: PackageRepository;
  /** Public base URL, for Location headers and _links. */
  apiRoot: string;
  /** Size and file-count limits of an uploaded package (defaults: DEFAULT_CSAR_LIMITS). */
  limits?: Partial<CsarLimits>;
  /** Checks uploads off the event loop (a server always has one; see CsarInspector). */
  inspector?: CsarInspector;
  /** How lists are paged (default: a marker key of this process, DEFAULT_PAGE_SIZE). */
  lists?: ListPaging;
  /** Fetches package content from a URI (upload_from_uri); by default one of the routes' own, closed with the server. */
  downloader?: PackageDownloader;
  log?: (line: string) => void;
}

const tags = ['vnfpkgm'];
const ZIP = 'application/zip';
/** SOL005 §9.4.2.3.2: what a list of packages leaves out unless asked for. */
export const VNF_PKG_INFO_MODEL: ResourceModel = {
  schema: VnfPkgInfo, name: 'VnfPkgInfo',
  defaultExcluded: ['softwareImages', 'additionalArtifacts', 'userDefinedData', 'checksum', 'onboardingFailureDetails'],
};
/** The upload's body: the request stream itself, read by the route within the package limit. */
const UploadedPackage = describeStream(z.custom<Readable>((body) => body instanceof Readable), ZIP);

export function vnfPackageRoutes(scope: App, given: VnfPackageRouteDependencies): void {
  const deps = { ...given, lists: given.lists ?? { markers: new PageMarkers(), pageSize: DEFAULT_PAGE_SIZE } };
  const downloader = given.downloader ?? new PackageDownloader();
  if (!given.downloader) scope.addHook('onClose', async () => downloader.close());
  const stores: PackageStores = { inventory: deps.inventory, repository: deps.repository, inspector: deps.inspector };
  const limits: CsarLimits = { ...DEFAULT_CSAR_LIMITS, ...deps.limits };
  const render = async (id: string): Promise<VnfPkgInfo> => renderVnfPkgInfo(await lookup(deps.inventory, id), deps.inventory, deps.apiRoot);

  scope.post('/vnf_packages', {
    schema: {
      operationId: 'createVnfPackage', tags, summary: 'Create a VNF package resource (CREATED), to upload content to',
      body: CreateVnfPkgInfoRequest,
      response: { 201: json(VnfPkgInfo, 'created', LOCATION) },
    },
  }, async (request, reply) => {
    const pkg = await createVnfPackage(deps.inventory, request.body);
    deps.log?.(`VNF package ${pkg.id} created`);
    return reply.header('Location', `${deps.apiRoot}${PACKAGES}/${pkg.id}`).code(201).send(await renderVnfPkgInfo(pkg, deps.inventory, deps.apiRoot));
  });

  scope.get('/vnf_packages', {
    schema: {
      operationId: 'listVnfPackages', tags, summary: 'VNF packages (SOL013 filter, attribute selectors, paged)',
      querystring: ListQuery,
      response: { 200: json(z.array(VnfPkgInfo), 'the matching packages, by id; Link names the next page', NEXT_PAGE_LINK) },
    },
  }, async (request, reply) => {
    const list = listRequest(request.query, VNF_PKG_INFO_MODEL, deps.lists.markers);
    const all = await Promise.all((await deps.inventory.packageInfos()).map((pkg) => renderVnfPkgInfo(pkg, deps.inventory, deps.apiRoot)));
    return pageOf(all, (pkg) => pkg.id, list, { reply, url: `${deps.apiRoot}${PACKAGES}`, query: request.query, paging: deps.lists });
  });

  scope.get('/vnf_packages/:id', {
    schema: { operationId: 'getVnfPackage', tags, summary: 'One VNF package', params: IdParams, response: { 200: json(VnfPkgInfo, 'the package') } },
  }, (request) => render(request.params.id));

  // A JSON merge patch (RFC 7396) has its own media type; plain JSON is accepted too, as Tacker does.
  inScope(scope, (patch) => {
    acceptJson(patch, ['application/merge-patch+json', 'application/json']);
    patch.patch('/vnf_packages/:id', {
      schema: {
        operationId: 'modifyVnfPackage', tags, summary: 'Enable or disable a VNF package, or merge-patch its userDefinedData',
        params: IdParams, consumes: ['application/merge-patch+json', 'application/json'], body: VnfPkgInfoModifications,
        response: {
          200: json(VnfPkgInfoModifications, 'the modifications applied'),
          409: problem('the package is not ONBOARDED, or already in that operational state'),
        },
      },
    }, async (request) => {
      const { id } = request.params;
      await lookup(deps.inventory, id);
      const applied = await refusingAsync(() => modifyVnfPackage(deps.inventory, id, request.body));
      deps.log?.(`VNF package ${id} modified: ${Object.keys(applied).join(', ')}`);
      return applied;
    });
  });

  scope.delete('/vnf_packages/:id', {
    schema: {
      operationId: 'deleteVnfPackage', tags, summary: 'Delete a DISABLED VNF package that no VNF instance uses', params: IdParams,
      response: { 204: empty('deleted'), 409: problem('the package is ENABLED, IN_USE or being onboarded') },
    },
  }, async (request, reply) => {
    const { id } = request.params;
    await lookup(deps.inventory, id);
    await refusingAsync(() => deleteVnfPackage(stores, id));
    deps.log?.(`VNF package ${id} deleted`);
    return reply.code(204).send();
  });

  inScope(scope, (upload) => {
    acceptStream(upload, ZIP);
    upload.put('/vnf_packages/:id/package_content', {
      schema: {
        operationId: 'uploadVnfPackageContent', tags, summary: 'Upload the package content (a CSAR); onboarded before the answer',
        params: IdParams, consumes: [ZIP], body: UploadedPackage,
        response: {
          202: empty('the package is ONBOARDED'),
          400: problem('the Version header is missing, or the body is not a ZIP archive'),
          409: problem('the package is not CREATED, or its vnfdId is onboarded already'),
          413: problem('the package exceeds the size or file-count limits'),
          415: problem('the Content-Type is not application/zip'),
          422: problem('the CSAR is invalid (metadata, VNFD, unsafe paths)'),
        },
      },
    }, async (request, reply) => {
      const { id } = request.params;
      await lookup(deps.inventory, id);
      const declared = Number(request.headers['content-length'] ?? NaN);
      if (declared > limits.maxArchiveBytes) {
        throw new HttpProblem(413, `the package is ${declared} bytes; at most ${limits.maxArchiveBytes} are accepted`);
      }
      await refusingAsync(() => beginUpload(deps.inventory, id));
      let archive: Uint8Array;
      try {
        archive = await readUpload(request.body, limits.maxArchiveBytes);
      } catch (err) {
        const refusal = packageProblem(err);
        await abandonUpload(deps.inventory, id, refusal);
        throw orUnexpected(err, refusal);
      }
      try {
        const pkg = await processUpload(stores, id, archive, { limits });
        deps.log?.(`VNF package ${id} onboarded: vnfdId ${pkg.vnfd.vnfdId}`);
      } catch (err) {
        const refusal = packageProblem(err);
        deps.log?.(`VNF package ${id} refused: ${refusal.detail}`);
        throw orUnexpected(err, refusal);
      }
      return reply.code(202).send();
    });
  });

  scope.post('/vnf_packages/:id/package_content/upload_from_uri', {
    schema: {
      operationId: 'uploadVnfPackageContentFromUri', tags, summary: 'Upload the package content from a URI the VNFM fetches it from (Basic credentials optional); onboarded before the answer',
      params: IdParams, body: UploadVnfPkgFromUriRequest,
      response: {
        202: empty('the package is ONBOARDED'),
        409: problem('the package is not CREATED, or its vnfdId is onboarded already'),
        413: problem('the package at the address exceeds the size or file-count limits'),
        422: problem('the package content could not be fetched from addressInformation, or the CSAR is invalid'),
      },
    },
  }, async (request, reply) => {
    const { id } = request.params;
    const { addressInformation, authType, userName, password } = request.body;
    await lookup(deps.inventory, id);
    if (authType?.includes('OAUTH2_CLIENT_CREDENTIALS') && !authType.includes('BASIC')) {
      throw new HttpProblem(422, 'authType OAUTH2_CLIENT_CREDENTIALS is not supported for fetching package content; give BASIC with userName and password');
    }
    await refusingAsync(() => beginUpload(deps.inventory, id));
    try {
      const archive = await downloader.fetch(addressInformation, limits.maxArchiveBytes, userName !== undefined ? { userName, password: password ?? '' } : undefined);
      const pkg = await processUpload(stores, id, archive, { limits });
      deps.log?.(`VNF package ${id} onboarded from ${addressInformation}: vnfdId ${pkg.vnfd.vnfdId}`);
    } catch (err) {
      const refusal = packageProblem(err);
      await abandonUpload(deps.inventory, id, refusal);
      deps.log?.(`VNF package ${id} refused: ${refusal.detail}`);
      throw orUnexpected(err, refusal);
    }
    return reply.code(202).send();
  });

  scope.get('/vnf_packages/:id/artifacts/*', {
    schema: {
      operationId: 'getVnfPackageArtifact', tags, summary: 'One artifact of an onboarded package (a file listed in additionalArtifacts or softwareImages), as it is stored',
      params: ArtifactParams,
      response: {
        200: { description: 'the artifact, with the media type its name suggests', content: { [ANY_MEDIA_TYPE]: { schema: binary('application/octet-stream') } } },
        409: problem('the package is not ONBOARDED'),
      },
    },
  }, async (request, reply) => {
    const pkg = onboarded(await lookup(deps.inventory, request.params.id));
    const artifactPath = request.params['*'];
    const listed = [...(pkg.additionalArtifacts ?? []).map((a) => a.artifactPath), ...(pkg.softwareImages ?? []).flatMap((i) => (i.imagePath ? [i.imagePath] : []))];
    if (!listed.includes(artifactPath)) throw new HttpProblem(404, `VNF package ${pkg.id} has no artifact ${artifactPath}`);
    let file: string;
    try {
      // An artifact is found, and confined to its package, exactly as a script is.
      file = (await deps.repository.locateScript(pkg.id, artifactPath)).scriptPath;
    } catch {
      throw new HttpProblem(404, `VNF package ${pkg.id} has no artifact ${artifactPath} stored`);
    }
    return reply.type(mediaTypeOf(artifactPath)).header('Content-Length', statSync(file).size).send(createReadStream(file));
  });

  scope.get('/vnf_packages/:id/package_content', {
    schema: {
      operationId: 'getVnfPackageContent', tags, summary: 'The package content (the CSAR)', params: IdParams,
      response: {
        200: bytes(ZIP, 'the CSAR'),
        406: problem('the Version header or the Accept header is not supported'),
        409: problem('the package is not ONBOARDED'),
      },
    },
  }, async (request, reply) => {
    const pkg = onboarded(await lookup(deps.inventory, request.params.id));
    acceptable(request, [ZIP]);
    reply.type(ZIP);
    const archive = await deps.repository.archive(pkg.id);
    if (archive) return reply.header('Content-Length', archive.size).send(archive.body instanceof Uint8Array ? Buffer.from(archive.body) : archive.body);
    if (!pkg.contentDir) throw new HttpProblem(500, `VNF package ${pkg.id} has no stored content`);
    // Onboarded from a folder by the older sample seeding: zip the folder.
    return reply.send(buildCsar(pkg.contentDir));
  });

  scope.get('/vnf_packages/:id/vnfd', {
    schema: {
      operationId: 'getVnfd', tags, summary: 'The VNFD of the package: one YAML file as text/plain, or a ZIP of its files', params: IdParams,
      response: {
        200: { description: 'the VNFD', content: { 'text/plain': { schema: z.string() }, [ZIP]: { schema: binary(ZIP) } } },
        406: problem('the Version header is not supported, or Accept allows no form the VNFD has'),
        409: problem('the package is not ONBOARDED'),
      },
    },
  }, async (request, reply) => {
    const pkg = onboarded(await lookup(deps.inventory, request.params.id));
    const accepted = acceptable(request, ['text/plain', ZIP]);
    const { meta, files } = await deps.repository.vnfdFiles(pkg.id);
    const yamlFiles = [...files.keys()].filter((p) => /\.ya?ml$/i.test(p));
    const entry = files.get(meta.entryDefinitions);
    // `text/plain` exactly: python-tackerclient compares the Content-Type with it as a whole.
    if (accepted.includes('text/plain') && yamlFiles.length === 1 && entry) return reply.type('text/plain').send(Buffer.from(entry));
    if (accepted.includes(ZIP)) return reply.type(ZIP).send(Buffer.from(zipSync(Object.fromEntries(files))));
    throw new HttpProblem(406, `the VNFD of VNF package ${pkg.id} is ${yamlFiles.length} files (${yamlFiles.join(', ')}); accept application/zip to get them`);
  });
}

/** The offered media types the Accept header allows (none or an empty one allows all); 406 if none. */
function acceptable(request: FastifyRequest, offered: string[]): string[] {
  const header = request.headers.accept;
  if (header === undefined || header.trim() === '') return offered;
  const accepts = request.accepts();
  const allowed = offered.filter((type) => accepts.type(type) !== false);
  if (allowed.length === 0) throw new HttpProblem(406, `Accept ${header} allows none of ${offered.join(', ')}`);
  return allowed;
}

/** `{id}` and the artifact's path inside the package (the rest of the URL path). */
const ArtifactParams = IdParams.extend({ '*': z.string().min(1).describe('the artifact\'s path inside the package, e.g. Scripts/coordinate_vnf.py') });

const MEDIA_TYPES: Record<string, string> = {
  py: 'text/x-python', sh: 'text/x-shellscript', txt: 'text/plain', yaml: 'application/yaml', yml: 'application/yaml', json: 'application/json',
  zip: 'application/zip', qcow2: 'application/octet-stream', img: 'application/octet-stream', iso: 'application/octet-stream',
};

/** The media type an artifact's name suggests (as Tacker guesses it), else application/octet-stream. */
function mediaTypeOf(path: string): string {
  const extension = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase();
  return (extension && MEDIA_TYPES[extension]) ?? 'application/octet-stream';
}
