import { CopyImageCommand, DescribeImagesCommand } from '@aws-sdk/client-ec2';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { actionName, operationOf } from './aws-command.js';

describe('the action a command stands for', () => {
  it('is the EC2 operation name, from the command itself', () => {
    expect(operationOf(new DescribeImagesCommand({}))).toEqual({ service: 'ec2', operation: 'DescribeImages' });
    expect(operationOf(new CopyImageCommand({ Name: 'x', SourceImageId: 'ami-1', SourceRegion: 'us-east-1' }))).toEqual({
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
    expect(operationOf(new DescribeRegionsCommand())).toEqual({ service: 'ec2', operation: 'DescribeRegions' });
  });
});
