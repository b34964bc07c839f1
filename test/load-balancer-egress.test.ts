// The external load balancer is a destination someone else names (external_lb_param): the
// egress policy decides whether the VNFM hands its credentials to a script that goes there.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, expect, it } from 'vitest';
import { createLoadBalancerActivities } from '../src/activities/load-balancer.ts';
import { EgressPolicy, LOOPBACK, NEVER_REACHED } from '../src/outbound/egress.ts';
import { FilePackageRepository } from '../src/packages/repository.ts';

const dir = mkdtempSync(join(tmpdir(), 'lb-egress-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('refuses to run the switch for a load balancer the egress policy denies, naming the address and nothing else', async () => {
  const activities = createLoadBalancerActivities(
    new FilePackageRepository(join(dir, 'packages')), { mode: 'off', user: 'nobody' }, new EgressPolicy({ deny: [...LOOPBACK, ...NEVER_REACHED] }),
  );
  const failure = await activities.switchLoadBalancer({
    packageId: 'any', script: './Scripts/coordinate_vnf.py', timeoutMs: 1_000, members: [], context: {},
    loadBalancer: { ip_address: '169.254.169.254', port: 80, username: 'lb', password: 'lb-password-42' },
  }).then(() => undefined, (err: unknown) => err);

  expect(failure).toBeInstanceOf(ApplicationFailure);
  expect((failure as ApplicationFailure).type).toBe('LoadBalancer.refused-destination');
  expect((failure as ApplicationFailure).nonRetryable).toBe(true);
  expect((failure as ApplicationFailure).message).toBe('destination 169.254.169.254 is not allowed by the egress policy');
});
