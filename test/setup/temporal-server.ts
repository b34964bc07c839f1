// One Temporal dev server per test run (2 cores cannot afford one per file). Test files
// connect to it with TestWorkflowEnvironment.createFromExistingServer and their own task queue.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { TestProject } from 'vitest/node';
import { DEV_SERVER_DYNAMIC_CONFIG, dynamicConfigArgs, temporalCliPath } from '../../src/temporal-cli.ts';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/search-attributes.ts';
import { onChildProcessPort } from '../support/ports.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const env = await onChildProcessPort(startServer);
  project.provide('temporalAddress', env.address);
  return async () => {
    await env.teardown();
  };
}

function startServer(port: number): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      ip: '127.0.0.1',
      port,
      executable: { type: 'existing-path', path: temporalCliPath() },
      searchAttributes: [...SEARCH_ATTRIBUTE_KEYS],
      extraArgs: [
        '--headless', '--log-level', 'error',
        // The timer queue floors every timer at now + 1 s by default; tests use sub-second waits.
        ...dynamicConfigArgs({ ...DEV_SERVER_DYNAMIC_CONFIG, 'history.timerProcessorMaxTimeShift': '"10ms"' }),
      ],
    },
  });
}
