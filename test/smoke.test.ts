import { inject, it, expect } from 'vitest';
import { Connection } from '@temporalio/client';
it('reaches the dev server of this run', async () => {
  const connection = await Connection.connect({ address: inject('temporalAddress') });
  const info = await connection.workflowService.getSystemInfo({});
  expect(info.serverVersion).toBeTruthy();
  await connection.close();
});
