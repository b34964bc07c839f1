// Entry point of the VIM simulator process: `npx tsx src/vim-simulator/main.ts`.
import { vimSimulatorOptions } from './config.ts';
import { startVimSimulator } from './server.ts';

const simulator = await startVimSimulator(vimSimulatorOptions());
console.log(`vim-simulator listening on ${simulator.url}; servers' guest applications on their own addresses, port ${simulator.guestPort ?? 'none'}`);

const shutdown = (): void => {
  simulator.close().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(`vim-simulator failed to stop cleanly: ${(err as Error).message}`);
      process.exit(1);
    },
  );
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
