import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { classifyAwsError } from '@ami/aws';
import { LeaseLostError } from '@ami/jobs';
import { APP_CONFIG } from '@ami/config';
import type { BuildStep } from '@ami/contracts';
import { ROOT_LOGGER } from '@ami/observability';
import type { BuilderConfig } from '../config/builder.config.js';
import type { Build } from './build.types.js';
import { BuildCleanup } from './build-cleanup.js';
import { BuildJournal } from './build-journal.js';
import { BuildOutcomes } from './build-outcomes.js';
import { BuildsRepository } from './builds.repository.js';
import { LeaseKeeper } from './lease-keeper.js';
import { CreateImageStep } from './steps/create-image.step.js';
import { CustomiseStep } from './steps/customise.step.js';
import { LaunchInstanceStep } from './steps/launch-instance.step.js';
import { PublishStep } from './steps/publish.step.js';
import { ResolveSourceStep } from './steps/resolve-source.step.js';
import type { BuildStepHandler, StepResult } from './steps/step.types.js';
import { StepFailure } from './steps/step.types.js';
import { StopInstanceStep } from './steps/stop-instance.step.js';
import { TerminateInstanceStep } from './steps/terminate-instance.step.js';
import { TestLaunchStep } from './steps/test-launch.step.js';

/**
 * Advances one claimed build by one step and saves the result, all under the worker's fenced
 * lease: the lease is renewed while the step waits on AWS, and a result is saved only if this
 * worker still holds the build under the epoch it claimed (else LeaseLostError: the caller
 * drops the build). Retryable failures retry with backoff; anything else, a timeout or a
 * cancel, cleans up (only after a fenced renewal) and fails the build.
 */
@Injectable()
export class BuildStepRunner {
  private readonly handlers: Map<BuildStep, BuildStepHandler>;

  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(BuildsRepository) private readonly builds: BuildsRepository,
    @Inject(BuildJournal) private readonly journal: BuildJournal,
    @Inject(BuildOutcomes) private readonly outcomes: BuildOutcomes,
    @Inject(BuildCleanup) private readonly cleanup: BuildCleanup,
    @Inject(LeaseKeeper) private readonly lease: LeaseKeeper,
    @Inject(APP_CONFIG) private readonly config: BuilderConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Inject(ResolveSourceStep) resolve: ResolveSourceStep,
    @Inject(LaunchInstanceStep) launch: LaunchInstanceStep,
    @Inject(CustomiseStep) customise: CustomiseStep,
    @Inject(StopInstanceStep) stop: StopInstanceStep,
    @Inject(CreateImageStep) create: CreateImageStep,
    @Inject(TestLaunchStep) test: TestLaunchStep,
    @Inject(TerminateInstanceStep) terminate: TerminateInstanceStep,
    @Inject(PublishStep) publish: PublishStep,
  ) {
    this.handlers = new Map(
      [resolve, launch, customise, stop, create, test, terminate, publish].map((h) => [h.step, h]),
    );
  }

  async advance(build: Build): Promise<void> {
    if (build.cancelRequested) return this.fail(build, `cancelled while at ${build.step}`, true);
    const elapsedS = (Date.now() - new Date(build.stepStartedAt).getTime()) / 1000;
    if (elapsedS > this.timeoutS(build))
      return this.fail(
        build,
        `step ${build.step} timed out after ${Math.round(elapsedS)} s`,
        false,
      );
    const handler = this.handlers.get(build.step);
    if (!handler) return this.fail(build, `no handler for step ${build.step}`, false);
    let result: StepResult;
    try {
      result = await this.lease.hold(build, () => handler.run(build));
    } catch (error) {
      if (error instanceof LeaseLostError) throw error;
      return this.onError(build, error as Error);
    }
    await this.apply(build, result);
  }

  async apply(build: Build, result: StepResult): Promise<void> {
    switch (result.kind) {
      case 'wait':
        await this.db.transaction((tx) =>
          this.builds.advance(tx, build, {
            patch: result.patch,
            delayMs: result.delayMs ?? this.config.BUILD_POLL_INTERVAL_MS,
          }),
        );
        return;
      case 'next':
        await this.db.transaction(async (tx) => {
          await this.builds.advance(tx, build, {
            patch: result.patch,
            step: result.next,
            attempt: 1,
          });
          const updated = { ...build, ...result.patch };
          await this.journal.step(
            tx,
            updated,
            build.step,
            'completed',
            build.stepAttempt,
            result.detail,
          );
          await this.journal.step(tx, updated, result.next, 'started', 1);
        });
        return;
      case 'succeeded':
        await this.outcomes.succeeded(build);
        return;
      case 'skipped':
      case 'rejected':
        await this.outcomes.notBuilt(build, result.kind, result.reason);
        return;
    }
  }

  private async onError(build: Build, error: Error): Promise<void> {
    const classified = error instanceof StepFailure ? null : classifyAwsError(error);
    if (classified?.kind === 'throttled') {
      // EC2 asked us to slow down: slow down, without spending the step's attempts.
      this.logger.info(
        { buildId: build.id, step: build.step },
        'EC2 throttled a build step; backing off',
      );
      await this.db.transaction((tx) =>
        this.builds.advance(tx, build, {
          delayMs: this.config.BUILD_STEP_RETRY_BASE_MS * (1 + Math.random()),
        }),
      );
      return;
    }
    const retryable = classified?.retryable ?? false;
    if (retryable && build.stepAttempt < this.config.BUILD_STEP_MAX_ATTEMPTS) {
      const delayMs = Math.min(
        60_000,
        this.config.BUILD_STEP_RETRY_BASE_MS * 2 ** (build.stepAttempt - 1),
      );
      this.logger.warn(
        { buildId: build.id, step: build.step, attempt: build.stepAttempt, err: error },
        'build step failed; retrying',
      );
      await this.db.transaction((tx) =>
        this.builds.advance(tx, build, { attempt: build.stepAttempt + 1, delayMs }),
      );
      return;
    }
    await this.fail(build, `${build.step} failed: ${error.message}`, false);
  }

  async fail(build: Build, reason: string, cancelled: boolean): Promise<void> {
    // Cleanup touches AWS: only while this worker provably still holds the build.
    await this.lease.assertHeld(build);
    const cleanedUp = await this.lease.hold(build, () => this.cleanup.run(build));
    await this.outcomes.failed(build, build.step, reason, cleanedUp, cancelled);
  }

  private timeoutS(build: Build): number {
    if (build.step === 'customise') return build.recipe.customisation.timeoutMinutes * 60 + 600;
    if (build.step === 'test-launch') return build.recipe.testLaunch.timeoutMinutes * 60;
    if (build.step === 'wait-image') return this.config.BUILD_IMAGE_TIMEOUT_S;
    return this.config.BUILD_STEP_TIMEOUT_S;
  }
}
