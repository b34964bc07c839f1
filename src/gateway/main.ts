// The gateway process: the SOL003 VNF LCM API on GATEWAY_HOST:GATEWAY_PORT.
import { Client, Connection } from '@temporalio/client';
import { gatewayApiRoot, loadConfig } from '../config.ts';
import { listen, serve } from '../http/server.ts';
import { inventoryFile } from '../inventory/location.ts';
import { InventoryStore } from '../inventory/store.ts';
import { createGatewayRouter } from './routes.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const router = createGatewayRouter({
    client,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    inventory: new InventoryStore(inventoryFile(config)),
    apiRoot: gatewayApiRoot(config),
    defaultCoordinationAction: config.DEFAULT_COORDINATION_ACTION,
    log: (line) => console.log(line),
  });
  const url = await listen(serve(router), config.GATEWAY_HOST, config.GATEWAY_PORT);
  console.log(`gateway listening on ${url} (SOL003 vnflcm v2)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
