// Figure 8: the API while hostile packages are being refused. autocannon GETs the VNF
// instance list from the production gateway process; in every other round two loops upload
// hostile packages to the same gateway back to back (an entry that inflates to 100 MiB before
// it is caught lying, entries that share one deflate stream, a TOSCA.meta line of a million
// spaces, a 4 MiB VNFD). Rounds alternate quiet / under bombs, so that both see the same
// machine; the target is on GET p99 under bombs.
import autocannon from 'autocannon';
import { request } from 'undici';
import { hugeVnfdArchive, lyingEntryArchive, overlappingArchive, spacesMetaArchive } from '../../test/support/hostile-archives.ts';
import { VNFPKGM_API_VERSION } from '../../src/sol005/models.ts';
import { Stage, type BenchContext } from '../lib/parts.ts';
import { freePort } from './gateway.ts';

export interface BombRound {
  phase: 'quiet' | 'bombs';
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
  non2xx: number;
  /** Uploads answered during the round, by status. */
  uploads: Record<string, number>;
}

export interface UploadBombsResult {
  connections: number;
  roundS: number;
  rounds: BombRound[];
  bombs: { label: string; bytes: number }[];
}

const API_TOKEN = 'bench-api-token-0123456789';
const CONNECTIONS = 4;
const UPLOAD_LOOPS = 2;
const MIB = 1024 * 1024;
const VNFPKGM = { Version: VNFPKGM_API_VERSION };

export async function uploadBombs(ctx: BenchContext): Promise<UploadBombsResult> {
  const bombs = [
    { label: 'an entry declaring 100 MiB that holds 200 MiB of zeros', archive: lyingEntryArchive(100 * MIB, 200 * MIB) },
    { label: 'two entries sharing one 32 MiB deflate stream', archive: overlappingArchive() },
    { label: 'a TOSCA.meta line of a million spaces', archive: spacesMetaArchive() },
    { label: 'a 4 MiB VNFD', archive: hugeVnfdArchive() },
  ];
  const stage = await Stage.start(ctx, { name: 'bombs', vimUpdateDelayMs: 0 });
  try {
    const gateway = await stage.startGatewayProcess('bombs', await freePort(), { GATEWAY_API_TOKENS: API_TOKEN });
    const headers = { 'X-Auth-Token': API_TOKEN };
    const roundS = ctx.quick ? 3 : 10;
    const pairs = ctx.quick ? 2 : 3;
    const rounds: BombRound[] = [];
    for (let pair = 0; pair < pairs; pair++) {
      for (const phase of ['quiet', 'bombs'] as const) {
        const uploads: Record<string, number> = {};
        let stop = false;
        const loops = phase === 'bombs'
          ? Array.from({ length: UPLOAD_LOOPS }, (_, loop) => uploadLoop(gateway.url, headers, bombs.map((b) => b.archive), loop, () => stop, uploads))
          : [];
        const result = await autocannon({
          url: `${gateway.url}/vnflcm/v2/vnf_instances`, connections: CONNECTIONS, duration: roundS,
          headers: { ...headers, Version: '2.0.0' }, timeout: 30,
        });
        stop = true;
        await Promise.all(loops);
        rounds.push({
          phase, requests: result.requests.total, rps: result.requests.total / result.duration,
          p50Ms: result.latency.p50, p99Ms: result.latency.p99, maxMs: result.latency.max,
          errors: result.errors + result.timeouts, non2xx: result.non2xx, uploads,
        });
        ctx.log(`  figure 8 ${phase} round ${pair + 1}: GET p99 ${result.latency.p99} ms, uploads ${JSON.stringify(uploads)}`);
      }
    }
    return { connections: CONNECTIONS, roundS, rounds, bombs: bombs.map((b) => ({ label: b.label, bytes: b.archive.length })) };
  } finally {
    await stage.close();
  }
}

/** Creates a package and uploads the next bomb to it, again and again until told to stop. */
async function uploadLoop(
  url: string, headers: Record<string, string>, archives: Buffer[], offset: number, stopped: () => boolean, uploads: Record<string, number>,
): Promise<void> {
  for (let i = offset; !stopped(); i++) {
    const created = await request(`${url}/vnfpkgm/v1/vnf_packages`, {
      method: 'POST', headers: { ...headers, ...VNFPKGM, 'Content-Type': 'application/json' }, body: '{}',
    });
    const answer = await created.body.text();
    if (created.statusCode !== 201) throw new Error(`creating a package: ${created.statusCode} ${answer}`);
    const { id } = JSON.parse(answer) as { id: string };
    const upload = await request(`${url}/vnfpkgm/v1/vnf_packages/${id}/package_content`, {
      method: 'PUT', headers: { ...headers, ...VNFPKGM, 'Content-Type': 'application/zip' }, body: archives[i % archives.length],
    });
    await upload.body.dump();
    const outcome = `${upload.statusCode}`;
    uploads[outcome] = (uploads[outcome] ?? 0) + 1;
  }
}
