// Process entry (docker-compose.yml's temporal-namespace): the namespace of TEMPORAL_NAMESPACE and
// the VNFM's search attributes on the Temporal server of the TEMPORAL_* settings, made when
// missing, as `npm run cluster` makes them (src/cluster/temporal.ts).
import { loadConfig } from '../config.ts';
import { temporalConnectionOptions } from '../temporal-connection.ts';
import { prepareNamespace } from './temporal.ts';

const config = loadConfig();
prepareNamespace(temporalConnectionOptions(config), config.TEMPORAL_NAMESPACE).then(
  () => console.log(`namespace ${config.TEMPORAL_NAMESPACE} ready, search attributes registered`),
  (err: unknown) => {
    console.error(`preparing namespace ${config.TEMPORAL_NAMESPACE} failed: ${(err as Error).message}`);
    process.exit(1);
  },
);
