import {
  GetCommandInvocationCommand,
  ListCommandsCommand,
  SendCommandCommand,
} from '@aws-sdk/client-ssm';
import { classifyAwsError, Ec2Gateway } from '@ami/aws';

/** What a build runs through SSM Run Command, and the comment that names it. */
export interface BuildCommand {
  instanceId: string;
  /** Names the build and the purpose (customise, test step n): how a sent command is found again. */
  comment: string;
  commands: string[];
  timeoutSeconds: number;
}

/** The comment of a build's command: build id and purpose, within SSM's 100 characters. */
export function commandComment(buildId: string, purpose: string): string {
  return `ami-factory build ${buildId} ${purpose}`.slice(0, 100);
}

/**
 * SendCommand has no ClientToken: a retry after a lost answer, or a crash between the call
 * and saving its id, would run the script again. So every attempt (the gateway's own retries
 * included, since the whole function is what it retries) first looks for a command on the
 * instance with this build's comment, and sends only when there is none.
 */
export async function sendCommandOnce(
  ec2: Ec2Gateway,
  region: string,
  command: BuildCommand,
): Promise<{ commandId: string; adopted: boolean }> {
  return ec2.call({ region, action: 'ssm:SendCommand' }, async () => {
    const existing = await findCommand(ec2, region, command.instanceId, command.comment);
    if (existing) return { commandId: existing, adopted: true };
    const client = ec2.ssm(region);
    const sent = await client.send(
      new SendCommandCommand({
        InstanceIds: [command.instanceId],
        DocumentName: 'AWS-RunShellScript',
        Parameters: { commands: command.commands },
        TimeoutSeconds: command.timeoutSeconds,
        Comment: command.comment,
      }),
    );
    return { commandId: sent.Command!.CommandId!, adopted: false };
  });
}

async function findCommand(
  ec2: Ec2Gateway,
  region: string,
  instanceId: string,
  comment: string,
): Promise<string | undefined> {
  let nextToken: string | undefined;
  do {
    const page = await ec2.send(
      region,
      new ListCommandsCommand({ InstanceId: instanceId, NextToken: nextToken, MaxResults: 50 }),
    );
    const match = page.Commands?.find((c) => c.Comment === comment && c.CommandId);
    if (match) return match.CommandId;
    nextToken = page.NextToken;
  } while (nextToken);
  return undefined;
}

export type InvocationResult =
  | { status: 'not-visible' }
  | { status: 'running' }
  | { status: 'success'; output: string }
  | { status: 'failed'; ended: string; responseCode: number | undefined; output: string };

/**
 * The command's invocation on the instance. Right after SendCommand, SSM may answer
 * InvocationDoesNotExist for a while (eventual consistency): that is "not visible yet", for the
 * caller to wait on within its window, never a failure by itself.
 */
export async function commandInvocation(
  ec2: Ec2Gateway,
  region: string,
  commandId: string,
  instanceId: string,
): Promise<InvocationResult> {
  let invocation;
  try {
    invocation = await ec2.send(
      region,
      new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }),
    );
  } catch (error) {
    if (classifyAwsError(error).code === 'InvocationDoesNotExist') return { status: 'not-visible' };
    throw error;
  }
  const output = [invocation.StandardOutputContent, invocation.StandardErrorContent]
    .filter((part) => part && part.trim())
    .join('\n');
  switch (invocation.Status) {
    case 'Success':
      return { status: 'success', output };
    case 'Pending':
    case 'InProgress':
    case 'Delayed':
      return { status: 'running' };
    default:
      return {
        status: 'failed',
        ended: invocation.Status ?? 'unknown',
        responseCode: invocation.ResponseCode,
        output,
      };
  }
}
