import { Inject, Injectable } from '@nestjs/common';
import { RunInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { Ec2Gateway } from '@ami/aws';
import { APP_CONFIG } from '@ami/config';
import type { BuilderConfig } from '../../config/builder.config.js';
import type { Build } from '../build.types.js';
import { instanceState } from './instance-state.js';
import { BuildStepHandler, StepFailure, StepResult, buildTags } from './step.types.js';

/** Launches an instance from the new image, waits until it runs, then terminates it. */
@Injectable()
export class TestLaunchStep implements BuildStepHandler {
  readonly step = 'test-launch' as const;
  constructor(
    @Inject(Ec2Gateway) private readonly ec2: Ec2Gateway,
    @Inject(APP_CONFIG) private readonly config: BuilderConfig,
  ) {}

  async run(build: Build): Promise<StepResult> {
    const test = build.recipe.testLaunch;
    if (!test.enabled)
      return { kind: 'next', next: 'terminate-instance', detail: { skipped: true } };
    const region = build.recipe.region;
    if (!build.testInstanceId) {
      const out = await this.ec2.send(
        region,
        new RunInstancesCommand({
          ImageId: build.imageId!,
          InstanceType: (test.instanceType ?? build.recipe.instanceType) as never,
          MinCount: 1,
          MaxCount: 1,
          ClientToken: `${build.id}-test`,
          SubnetId: build.recipe.subnetId,
          SecurityGroupIds: build.recipe.securityGroupIds.length
            ? build.recipe.securityGroupIds
            : undefined,
          MetadataOptions: build.recipe.imdsv2Required
            ? { HttpTokens: 'required', HttpEndpoint: 'enabled' }
            : undefined,
          TagSpecifications: [
            {
              ResourceType: 'instance',
              Tags: buildTags(build, { Name: `ami-factory test ${build.family}` }),
            },
          ],
        }),
      );
      return {
        kind: 'wait',
        patch: { testInstanceId: out.Instances![0].InstanceId! },
        delayMs: this.config.BUILD_POLL_INTERVAL_MS,
      };
    }
    const state = await instanceState(this.ec2, region, build.testInstanceId);
    if (state === 'pending' || state === null)
      return { kind: 'wait', delayMs: this.config.BUILD_POLL_INTERVAL_MS };
    if (state !== 'running' && state !== 'shutting-down' && state !== 'terminated') {
      throw new StepFailure(
        `test instance ${build.testInstanceId} from ${build.imageId} is ${state}, not running`,
      );
    }
    if (state === 'running')
      await this.ec2.send(
        region,
        new TerminateInstancesCommand({ InstanceIds: [build.testInstanceId] }),
      );
    return {
      kind: 'next',
      next: 'terminate-instance',
      detail: { testInstanceId: build.testInstanceId },
    };
  }
}
