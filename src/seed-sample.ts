// Process entry that onboards the sample packages and instantiates the sample VNF on the VIM
// simulator (idempotent). `npm start` does the same in-process; docker-compose runs this.
import { setTimeout as delay } from 'node:timers/promises';
import { loadConfig } from './config.ts';
import { ensureSampleInstance } from './inventory/sample.ts';
import { onboardSamplePackagesAsCsar } from './packages/onboard-samples.ts';
import type { VnfPackageRecord } from './inventory/store.ts';
import { openStores } from './stores.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  const vimUrl = new URL(config.VIM_AUTH_URL).origin;
  const stores = await openStores(config);
  const { inventory } = stores;
  const packages = await onboardSamplePackagesAsCsar(inventory, stores.packages);
  for (let attempt = 1; ; attempt += 1) {
    try {
      const instance = await ensureSampleInstance(inventory, vimUrl, packages[0] as VnfPackageRecord);
      console.log(`sample VNF instance ${instance.id} on ${instance.vnfdId}`);
      await stores.close();
      return;
    } catch (err) {
      if (attempt >= 60) throw err;
      await delay(1000);
    }
  }
}

main().catch((err: unknown) => {
  console.error(`seeding the sample VNF failed: ${(err as Error).message}`);
  process.exit(1);
});
