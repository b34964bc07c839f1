// Entry point of the load balancer simulator process: `npx tsx src/load-balancer-simulator/main.ts`.
import { loadLoadBalancerSimulatorConfig } from '../config.ts';
import { startLoadBalancerSimulator } from './server.ts';

const config = loadLoadBalancerSimulatorConfig();
const simulator = await startLoadBalancerSimulator({
  host: config.LB_HOST,
  port: config.LB_PORT,
  adminPort: config.LB_ADMIN_PORT,
  username: config.LB_USERNAME,
  password: config.LB_PASSWORD,
  memberPort: config.LB_MEMBER_PORT,
  stateFile: config.LB_STATE_FILE,
});
console.log(`load balancer simulator: traffic on ${simulator.url}, management API on ${simulator.adminUrl} (HTTP Basic ${config.LB_USERNAME})`);

const shutdown = (): void => {
  simulator.close().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(`load balancer simulator failed to stop cleanly: ${(err as Error).message}`);
      process.exit(1);
    },
  );
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
