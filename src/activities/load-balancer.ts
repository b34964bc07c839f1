// The external load balancer of a Blue-Green change. The VNFM does not speak any load
// balancer's API: as in Tacker's interface, the package's coordinate script is given
// `external_lb_param` (address and credentials) and the VNFCs that must carry the traffic, and
// configures the load balancer itself. What the VNFM adds: the load balancer's address must
// pass the egress policy before the script is run with its credentials, and a switch that
// failed may be run again, since a switch sets the whole pool (the script's contract).
import { ApplicationFailure } from '@temporalio/activity';
import type { EgressPolicy } from '../outbound/egress.ts';
import type { PackageRepository } from '../packages/repository.ts';
import type { SandboxPolicy } from '../scripts/sandbox.ts';
import type { ExternalLbParam } from '../sol003/models.ts';
import { asApplicationFailure } from './failures.ts';
import { createScriptActivities } from './scripts.ts';


/** One VNFC the load balancer is to send traffic to. */
export interface PoolMember {
  id: string;
  vduId: string;
  serverId: string;
  /** Its fixed address, as the VIM reports it. */
  address?: string;
}

export interface SwitchLoadBalancerInput {
  /** The package whose coordinate script configures the load balancer, and the script's path in it. */
  packageId: string;
  script: string;
  timeoutMs: number;
  /** `external_lb_param` as the request gave it, password included (the script needs it; its output is scrubbed of it). */
  loadBalancer: ExternalLbParam;
  /** The VNFCs that carry the traffic once the switch is done: the whole pool. */
  members: PoolMember[];
  /** Handed to the script beside the load balancer and the members (operation, ids, side). */
  context: Record<string, unknown>;
}

export function createLoadBalancerActivities(packages: PackageRepository, sandbox: SandboxPolicy, egress: EgressPolicy) {
  const scripts = createScriptActivities(packages, sandbox);
  return {
    /** Runs the package's script to point the load balancer at `members`; retried by Temporal while it fails. */
    async switchLoadBalancer(input: SwitchLoadBalancerInput): Promise<{ stderrTail: string }> {
      await asApplicationFailure('LoadBalancer', () => egress.check(managementUrl(input.loadBalancer)));
      try {
        return await scripts.runCoordinateScript({
          packageId: input.packageId,
          script: input.script,
          timeoutMs: input.timeoutMs,
          params: { ...input.context, action: 'switch_lb', external_lb_param: input.loadBalancer, members: input.members },
        });
      } catch (err) {
        // A script that ran and failed may succeed when run again (the load balancer was busy or
        // down); one that cannot run (not in the package, refused by the sandbox) never will.
        if (err instanceof ApplicationFailure && err.type === 'Script.Failed') {
          throw ApplicationFailure.retryable(`load balancer ${input.loadBalancer.ip_address}: ${err.message}`, 'LoadBalancer.SwitchFailed');
        }
        throw err;
      }
    },
  };
}

/** The load balancer's management address as a URL, for the egress policy (which checks host and port). */
function managementUrl({ ip_address: host, port }: ExternalLbParam): string {
  const literal = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `http://${literal}${port === undefined ? '' : `:${port}`}/`;
}
