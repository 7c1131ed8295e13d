import {
  CopyImageCommand,
  CreateImageCommand,
  DescribeImagesCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { actionName, operationOf, withClientToken } from './aws-command.js';

describe('the action a command stands for', () => {
  it('is the EC2 operation name, from the command itself', () => {
    expect(operationOf(new DescribeImagesCommand({}))).toEqual({
      service: 'ec2',
      operation: 'DescribeImages',
    });
    expect(
      operationOf(
        new CopyImageCommand({ Name: 'x', SourceImageId: 'ami-1', SourceRegion: 'us-east-1' }),
      ),
    ).toEqual({
      service: 'ec2',
      operation: 'CopyImage',
    });
  });

  it('is prefixed with ssm: for SSM commands', () => {
    const { service, operation } = operationOf(new GetParameterCommand({ Name: '/a' }));
    expect(actionName(service, operation)).toBe('ssm:GetParameter');
  });

  it('falls back to the class name when a command carries no schema', () => {
    class DescribeRegionsCommand {
      readonly input = {};
      resolveMiddleware() {
        return undefined;
      }
    }
    expect(operationOf(new DescribeRegionsCommand())).toEqual({
      service: 'ec2',
      operation: 'DescribeRegions',
    });
  });
});

describe('ClientToken for idempotent retries', () => {
  it('fixes one token for a command that takes one, leaving the caller’s input alone', () => {
    const input = { ImageId: 'ami-1', MinCount: 1, MaxCount: 1 };
    const command = withClientToken(new RunInstancesCommand(input));
    expect(command).toBeInstanceOf(RunInstancesCommand);
    expect(command.input.ClientToken).toMatch(/^[0-9a-f-]{36}$/);
    expect(input).not.toHaveProperty('ClientToken');
  });

  it('keeps a token the caller chose, and leaves commands without one as they are', () => {
    const copy = new CopyImageCommand({
      Name: 'x',
      SourceImageId: 'ami-1',
      SourceRegion: 'us-east-1',
      ClientToken: 'mine',
    });
    expect(withClientToken(copy)).toBe(copy);
    const describe = new DescribeImagesCommand({});
    expect(withClientToken(describe)).toBe(describe);
    expect(
      withClientToken(new CreateImageCommand({ InstanceId: 'i-1', Name: 'n' })).input,
    ).not.toHaveProperty('ClientToken');
  });
});
