import { Inject, Injectable } from '@nestjs/common';
import { StopInstancesCommand } from '@aws-sdk/client-ec2';
import { Ec2Gateway } from '@ami/aws';
import { APP_CONFIG } from '@ami/config';
import type { BuilderConfig } from '../../config/builder.config.js';
import type { Build } from '../build.types.js';
import { instanceState, stillInvisible } from './instance-state.js';
import { BuildStepHandler, StepFailure, StepResult } from './step.types.js';

/** Stops the build instance (for a consistent image) and waits until it is stopped. */
@Injectable()
export class StopInstanceStep implements BuildStepHandler {
  readonly step = 'stop-instance' as const;
  constructor(
    @Inject(Ec2Gateway) private readonly ec2: Ec2Gateway,
    @Inject(APP_CONFIG) private readonly config: BuilderConfig,
  ) {}

  async run(build: Build): Promise<StepResult> {
    const region = build.recipe.region;
    const state = await instanceState(this.ec2, region, build.instanceId!);
    // Another replica may have seen the new instance while this one's EC2 view still lags.
    if (state === null) {
      stillInvisible(build, this.config.BUILD_VISIBILITY_WINDOW_S, `instance ${build.instanceId}`);
      return { kind: 'wait', delayMs: this.config.BUILD_POLL_INTERVAL_MS };
    }
    if (state === 'stopped') return { kind: 'next', next: 'create-image' };
    if (state === 'running' || state === 'pending')
      await this.ec2.send(region, new StopInstancesCommand({ InstanceIds: [build.instanceId!] }));
    else if (state !== 'stopping')
      throw new StepFailure(`build instance ${build.instanceId} is ${state}`);
    return { kind: 'wait', delayMs: this.config.BUILD_POLL_INTERVAL_MS };
  }
}
