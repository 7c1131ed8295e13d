import { Inject, Injectable } from '@nestjs/common';
import { GetCommandInvocationCommand, SendCommandCommand } from '@aws-sdk/client-ssm';
import { Ec2Gateway } from '@ami/aws';
import { APP_CONFIG } from '@ami/config';
import type { BuilderConfig } from '../../config/builder.config.js';
import type { Build } from '../build.types.js';
import { instanceState } from './instance-state.js';
import { BuildStepHandler, StepFailure, StepResult } from './step.types.js';

/**
 * Runs the recipe's customisation steps on the build instance with SSM Run Command
 * (AWS-RunShellScript), once the instance runs, and waits for the command to finish. User data
 * alone needs no command. The command id is saved, so a restart polls it instead of re-sending.
 */
@Injectable()
export class CustomiseStep implements BuildStepHandler {
  readonly step = 'customise' as const;
  constructor(
    @Inject(Ec2Gateway) private readonly ec2: Ec2Gateway,
    @Inject(APP_CONFIG) private readonly config: BuilderConfig,
  ) {}

  async run(build: Build): Promise<StepResult> {
    const region = build.recipe.region;
    const instanceId = build.instanceId!;
    const state = await instanceState(this.ec2, region, instanceId);
    if (state === 'pending' || state === null)
      return { kind: 'wait', delayMs: this.config.BUILD_POLL_INTERVAL_MS };
    if (state !== 'running')
      throw new StepFailure(`build instance ${instanceId} is ${state}, not running`);
    const steps = build.recipe.customisation.steps;
    if (steps.length === 0) return { kind: 'next', next: 'stop-instance', detail: { commands: 0 } };
    if (!build.commandId) {
      const sent = await this.ec2.send(
        region,
        new SendCommandCommand({
          InstanceIds: [instanceId],
          DocumentName: 'AWS-RunShellScript',
          Parameters: { commands: steps.map((s) => `# ${s.name}\n${s.run}`) },
          TimeoutSeconds: build.recipe.customisation.timeoutMinutes * 60,
          Comment: `ami-factory build ${build.id}`.slice(0, 100),
        }),
      );
      return {
        kind: 'wait',
        patch: { commandId: sent.Command!.CommandId! },
        delayMs: this.config.BUILD_POLL_INTERVAL_MS,
      };
    }
    const invocation = await this.ec2.send(
      region,
      new GetCommandInvocationCommand({ CommandId: build.commandId, InstanceId: instanceId }),
    );
    switch (invocation.Status) {
      case 'Success':
        return {
          kind: 'next',
          next: 'stop-instance',
          detail: { commandId: build.commandId, commands: steps.length },
        };
      case 'Pending':
      case 'InProgress':
      case 'Delayed':
        return { kind: 'wait', delayMs: this.config.BUILD_POLL_INTERVAL_MS };
      default:
        throw new StepFailure(
          `customisation command ${build.commandId} ended ${invocation.Status}: ${(invocation.StandardErrorContent ?? '').slice(0, 500)}`,
        );
    }
  }
}
