import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import type { Ec2Gateway } from '@ami/aws';

/** The state name of one instance ('pending', 'running', 'stopped', ...), or null if unknown. */
export async function instanceState(
  ec2: Ec2Gateway,
  region: string,
  instanceId: string,
): Promise<string | null> {
  const out = await ec2.send(region, new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  return out.Reservations?.[0]?.Instances?.[0]?.State?.Name ?? null;
}
