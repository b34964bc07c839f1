import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { temporalCliPath } from '../src/temporal-cli.ts';
import { bundleAll, installQuietRuntime } from './lib/parts.ts';
import { allRuns, spanMs } from './lib/ops.ts';

installQuietRuntime();
const bundles = await bundleAll();
for (const mode of process.argv.slice(2)) {
  const extra = mode === 'file' ? ['--db-filename', `/tmp/zz-${Date.now()}.sqlite`, '--sqlite-pragma', 'journal_mode=wal'] : mode === 'filesync' ? ['--db-filename', `/tmp/zz-${Date.now()}.sqlite`, '--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=off'] : [];
  const env = await TestWorkflowEnvironment.createLocal({ server: { executable: { type: 'existing-path', path: temporalCliPath() }, extraArgs: ['--headless', '--log-level', 'error', ...extra] } });
  const client = new Client({ connection: (await import('@temporalio/client')).Connection.lazy({ address: env.address }) });
  const worker = await Worker.create({ connection: await NativeConnection.connect({ address: env.address }), taskQueue: 'q', workflowBundle: bundles.floor, activities: { noop: () => Promise.resolve() } });
  await worker.runUntil(async () => {
    for (const n of [20, 200]) {
      const id = `f-${n}-${Date.now()}`;
      const t = performance.now();
      await client.workflow.execute('engineFloor', { workflowId: id, taskQueue: 'q', args: [n] });
      const wall = performance.now() - t;
      console.log(mode, n, 'per activity', (spanMs(await allRuns(client, id)) / n).toFixed(2), 'wall', (wall / n).toFixed(2));
    }
  });
  await env.teardown();
}
process.exit(0);
