import { Inject, Injectable } from '@nestjs/common';
import {
  DescribeInstanceStatusCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { Ec2Error, Ec2Gateway } from '@ami/aws';
import { APP_CONFIG } from '@ami/config';
import type { BuilderConfig } from '../../config/builder.config.js';
import type { Build } from '../build.types.js';
import { redactOutput } from '../output-redaction.js';
import { instanceState, stillInvisible } from './instance-state.js';
import { commandComment, commandInvocation, sendCommandOnce } from './ssm-commands.js';
import { BuildStepHandler, StepFailure, StepResult, buildTags } from './step.types.js';

/**
 * Launches an instance from the new image, waits until it runs and passes its status checks,
 * runs the recipe's testSteps on it through SSM one at a time (each looked up before it is
 * sent, like customisation), then terminates it. A failing test step fails the build, naming
 * the step and its (masked) output; the runner's cleanup then removes the image.
 */
@Injectable()
export class TestLaunchStep implements BuildStepHandler {
  readonly step = 'test-launch' as const;
  constructor(
    @Inject(Ec2Gateway) private readonly ec2: Ec2Gateway,
    @Inject(APP_CONFIG) private readonly config: BuilderConfig,
  ) {}

  private get wait(): StepResult {
    return this.waitWith({});
  }

  private waitWith(patch: Extract<StepResult, { kind: 'wait' }>['patch']): StepResult {
    return { kind: 'wait', patch, delayMs: this.config.BUILD_POLL_INTERVAL_MS };
  }

  async run(build: Build): Promise<StepResult> {
    if (!build.recipe.testLaunch.enabled)
      return { kind: 'next', next: 'terminate-instance', detail: { skipped: true } };
    if (!build.testInstanceId) return this.launch(build);
    const testSteps = build.recipe.testSteps ?? [];
    if (build.testStepIndex === 0 && !build.testCommandId) {
      const ready = await this.ready(build, build.testInstanceId);
      if (ready === 'gone') return this.finish(build, testSteps.length);
      if (!ready) return this.wait;
    }
    if (build.testStepIndex < testSteps.length) return this.runTestStep(build);
    return this.finish(build, testSteps.length);
  }

  private async launch(build: Build): Promise<StepResult> {
    const test = build.recipe.testLaunch;
    const out = await this.ec2.send(
      build.recipe.region,
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
        IamInstanceProfile: build.recipe.instanceProfile
          ? { Name: build.recipe.instanceProfile }
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
    return this.waitWith({ testInstanceId: out.Instances![0].InstanceId! });
  }

  /** true once running with both status checks passed; false to wait; 'gone' if already ended. */
  private async ready(build: Build, instanceId: string): Promise<boolean | 'gone'> {
    const region = build.recipe.region;
    const state = await instanceState(this.ec2, region, instanceId);
    if (state === null)
      stillInvisible(build, this.config.BUILD_VISIBILITY_WINDOW_S, `test instance ${instanceId}`);
    if (state === null || state === 'pending') return false;
    // An earlier attempt finished the tests and terminated it, but its answer was lost.
    if ((state === 'shutting-down' || state === 'terminated') && this.testsDone(build))
      return 'gone';
    if (state !== 'running')
      throw new StepFailure(
        `test instance ${instanceId} from ${build.imageId} is ${state}, not running`,
      );
    let status;
    try {
      status = (
        await this.ec2.send(
          region,
          new DescribeInstanceStatusCommand({
            InstanceIds: [instanceId],
            IncludeAllInstances: true,
          }),
        )
      ).InstanceStatuses?.[0];
    } catch (error) {
      if (error instanceof Ec2Error && error.kind === 'not-found') return false;
      throw error;
    }
    const system = status?.SystemStatus?.Status;
    const instance = status?.InstanceStatus?.Status;
    if (system === 'impaired' || instance === 'impaired')
      throw new StepFailure(
        `test instance ${instanceId} from ${build.imageId} failed its status checks (system ${system}, instance ${instance})`,
      );
    return system === 'ok' && instance === 'ok';
  }

  private testsDone(build: Build): boolean {
    return build.testStepIndex >= (build.recipe.testSteps ?? []).length;
  }

  private async runTestStep(build: Build): Promise<StepResult> {
    const region = build.recipe.region;
    const instanceId = build.testInstanceId!;
    const index = build.testStepIndex;
    const testStep = build.recipe.testSteps![index]!;
    if (!build.testCommandId) {
      const { commandId } = await sendCommandOnce(this.ec2, region, {
        instanceId,
        comment: commandComment(build.id, `test-step ${index + 1}`),
        commands: [`# ${testStep.name}\n${testStep.run}`],
        timeoutSeconds: build.recipe.testLaunch.timeoutMinutes * 60,
      });
      return this.waitWith({ testCommandId: commandId });
    }
    const invocation = await commandInvocation(this.ec2, region, build.testCommandId, instanceId);
    switch (invocation.status) {
      case 'not-visible':
        stillInvisible(
          build,
          this.config.BUILD_VISIBILITY_WINDOW_S,
          `command ${build.testCommandId}`,
        );
        return this.wait;
      case 'running':
        return this.wait;
      case 'success':
        return {
          kind: 'wait',
          delayMs: 0,
          patch: { testStepIndex: index + 1, testCommandId: null },
        };
      case 'failed':
        throw new StepFailure(
          `test step "${testStep.name}" (${index + 1} of ${build.recipe.testSteps!.length}) ended ${invocation.ended} (exit ${invocation.responseCode ?? 'unknown'}) on ${instanceId}: ${redactOutput(invocation.output, this.config.BUILD_OUTPUT_MAX_CHARS)}`,
        );
    }
  }

  private async finish(build: Build, testSteps: number): Promise<StepResult> {
    await this.ec2.send(
      build.recipe.region,
      new TerminateInstancesCommand({ InstanceIds: [build.testInstanceId!] }),
    );
    return {
      kind: 'next',
      next: 'terminate-instance',
      detail: { testInstanceId: build.testInstanceId, statusChecks: 'passed', testSteps },
    };
  }
}
