import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { Ec2Error, type Ec2Gateway } from '@ami/aws';
import type { Build } from '../build.types.js';
import { StepFailure } from './step.types.js';

/**
 * The state name of one instance ('pending', 'running', 'stopped', ...), or null when EC2 does
 * not know the id. Right after RunInstances that is normal (eventual consistency): see
 * `stillInvisible`.
 */
export async function instanceState(
  ec2: Ec2Gateway,
  region: string,
  instanceId: string,
): Promise<string | null> {
  try {
    const out = await ec2.send(region, new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    return out.Reservations?.[0]?.Instances?.[0]?.State?.Name ?? null;
  } catch (error) {
    if (error instanceof Ec2Error && error.kind === 'not-found') return null;
    throw error;
  }
}

/**
 * Whether a resource the build created that EC2 (or SSM) does not show yet may still appear:
 * within `windowS` of its creation, "not found" means "not visible yet", never "gone". After
 * the window it is a failure the step reports.
 */
export function stillInvisible(build: Build, windowS: number, what: string): true {
  const since = build.resourceCreatedAt ? new Date(build.resourceCreatedAt).getTime() : 0;
  if (Date.now() - since < windowS * 1000) return true;
  throw new StepFailure(`${what} is still not visible ${windowS} s after it was created`);
}
