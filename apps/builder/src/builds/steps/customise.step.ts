import { Inject, Injectable } from '@nestjs/common';
import { Ec2Gateway } from '@ami/aws';
import { APP_CONFIG } from '@ami/config';
import type { BuilderConfig } from '../../config/builder.config.js';
import type { Build } from '../build.types.js';
import { redactOutput } from '../output-redaction.js';
import { instanceState, stillInvisible } from './instance-state.js';
import { commandComment, commandInvocation, sendCommandOnce } from './ssm-commands.js';
import { BuildStepHandler, StepFailure, StepResult } from './step.types.js';

/**
 * Runs the recipe's customisation steps on the build instance with SSM Run Command
 * (AWS-RunShellScript), once the instance runs, and waits for the command to finish. User data
 * alone needs no command. The command carries the build id in its comment and is looked up
 * before it is sent, so neither a lost answer nor a crash before its id is saved runs the
 * customer's script twice; a saved id is polled, never re-sent.
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
    const wait: StepResult = { kind: 'wait', delayMs: this.config.BUILD_POLL_INTERVAL_MS };
    if (!build.commandId) {
      const state = await instanceState(this.ec2, region, instanceId);
      if (state === null)
        stillInvisible(build, this.config.BUILD_VISIBILITY_WINDOW_S, `instance ${instanceId}`);
      if (state === null || state === 'pending') return wait;
      if (state !== 'running')
        throw new StepFailure(`build instance ${instanceId} is ${state}, not running`);
    }
    const steps = build.recipe.customisation.steps;
    if (steps.length === 0) return { kind: 'next', next: 'stop-instance', detail: { commands: 0 } };
    if (!build.commandId) {
      const { commandId, adopted } = await sendCommandOnce(this.ec2, region, {
        instanceId,
        comment: commandComment(build.id, 'customise'),
        commands: steps.map((s) => `# ${s.name}\n${s.run}`),
        timeoutSeconds: build.recipe.customisation.timeoutMinutes * 60,
      });
      return { ...wait, patch: { commandId }, ...(adopted ? { delayMs: 0 } : {}) };
    }
    const invocation = await commandInvocation(this.ec2, region, build.commandId, instanceId);
    switch (invocation.status) {
      case 'not-visible':
        stillInvisible(build, this.config.BUILD_VISIBILITY_WINDOW_S, `command ${build.commandId}`);
        return wait;
      case 'running':
        return wait;
      case 'success':
        return {
          kind: 'next',
          next: 'stop-instance',
          detail: { commandId: build.commandId, commands: steps.length },
        };
      case 'failed':
        throw new StepFailure(
          `customisation command ${build.commandId} ended ${invocation.ended} (exit ${invocation.responseCode ?? 'unknown'}): ${redactOutput(invocation.output, this.config.BUILD_OUTPUT_MAX_CHARS)}`,
        );
    }
  }
}
