import { Inject, Injectable } from '@nestjs/common';
import { TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { Ec2Gateway } from '@ami/aws';
import type { Build } from '../build.types.js';
import type { BuildStepHandler, StepResult } from './step.types.js';

/** Terminates the build instance; the image no longer needs it. */
@Injectable()
export class TerminateInstanceStep implements BuildStepHandler {
  readonly step = 'terminate-instance' as const;
  constructor(@Inject(Ec2Gateway) private readonly ec2: Ec2Gateway) {}

  async run(build: Build): Promise<StepResult> {
    await this.ec2.send(
      build.recipe.region,
      new TerminateInstancesCommand({ InstanceIds: [build.instanceId!] }),
    );
    return { kind: 'next', next: 'publish', detail: { instanceId: build.instanceId } };
  }
}
