// Development driver (not part of `npm run bench`): runs one figure against a fresh server.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTemporal } from './lib/temporal.ts';
import { bundleAll, createContext, installQuietRuntime } from './lib/parts.ts';
import { orchestrationOverhead } from './figures/overhead.ts';
import { timerPrecision } from './figures/timer-precision.ts';
import { waitingAtScale } from './figures/scale.ts';

installQuietRuntime();
const t0 = Date.now();
const dir = mkdtempSync(join(tmpdir(), 'bench-'));
const server = await startTemporal(dir, 'main', process.argv.includes('--default') ? {} : { 'history.timerProcessorMaxTimeShift': '"10ms"' });
const stop = () => void server.teardown().finally(() => process.exit(1));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
console.log('server', Date.now() - t0);
try {
  const bundles = await bundleAll();
  console.log('bundles', Date.now() - t0);
  const ctx = await createContext(server.address, bundles, process.argv.includes('--quick'), console.log);
  const which = process.argv[2];
  if (which === '1') {
    const r = await orchestrationOverhead(ctx);
    console.log(JSON.stringify({ ...r, rounds: r.rounds }, null, 1));
  }
  if (which === '3') {
    console.log(JSON.stringify(await waitingAtScale(ctx, { operations: Number(process.argv[3] ?? 50), vnfcs: 10, polls: 3 }), null, 1));
  }
  if (which === '2') {
    console.log(JSON.stringify(await timerPrecision(ctx, { operations: 10, vnfcs: 2, polls: 5 }), null, 1));
  }
} finally {
  console.log('total', Date.now() - t0);
  await server.teardown();
}
process.exit(0);
