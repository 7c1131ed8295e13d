import { Inject, Injectable } from '@nestjs/common';
import { RunInstancesCommand } from '@aws-sdk/client-ec2';
import { Ec2Gateway } from '@ami/aws';
import type { Build } from '../build.types.js';
import { toBlockDeviceMappings } from './block-devices.js';
import { BuildStepHandler, StepResult, buildTags } from './step.types.js';

/**
 * Starts the build instance from the source image with the recipe's instance type, network,
 * instance profile, block devices and IMDSv2. The ClientToken is the build id, so a retried
 * or repeated call (after a crash) returns the same instance instead of a second one.
 */
@Injectable()
export class LaunchInstanceStep implements BuildStepHandler {
  readonly step = 'launch-instance' as const;
  constructor(@Inject(Ec2Gateway) private readonly ec2: Ec2Gateway) {}

  async run(build: Build): Promise<StepResult> {
    const r = build.recipe;
    const out = await this.ec2.send(
      r.region,
      new RunInstancesCommand({
        ImageId: build.source!.imageId,
        InstanceType: r.instanceType as never,
        MinCount: 1,
        MaxCount: 1,
        ClientToken: build.id,
        SubnetId: r.subnetId,
        SecurityGroupIds: r.securityGroupIds.length ? r.securityGroupIds : undefined,
        IamInstanceProfile: r.instanceProfile ? { Name: r.instanceProfile } : undefined,
        MetadataOptions: r.imdsv2Required
          ? { HttpTokens: 'required', HttpEndpoint: 'enabled' }
          : undefined,
        UserData: r.customisation.userData
          ? Buffer.from(r.customisation.userData).toString('base64')
          : undefined,
        BlockDeviceMappings: toBlockDeviceMappings(r.launchBlockDeviceMappings),
        TagSpecifications: [
          {
            ResourceType: 'instance',
            Tags: buildTags(build, { Name: `ami-factory build ${build.family}` }),
          },
          { ResourceType: 'volume', Tags: buildTags(build) },
        ],
      }),
    );
    const instanceId = out.Instances?.[0]?.InstanceId;
    if (!instanceId) throw new Error('RunInstances returned no instance');
    return { kind: 'next', next: 'customise', patch: { instanceId }, detail: { instanceId } };
  }
}
