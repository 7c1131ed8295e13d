import { Module } from '@nestjs/common';
import { FamilyRecipesRepository } from '../recipes/family-recipes.repository.js';
import { RecipesMessageController } from '../recipes/recipes.message-controller.js';
import { AwaitingSpecRequests } from '../rebuild-requests/awaiting-spec.service.js';
import { BuildCleanup } from './build-cleanup.js';
import { BuildCommands } from './build-commands.use-case.js';
import { BuildJournal } from './build-journal.js';
import { BuildOutcomes } from './build-outcomes.js';
import { BuildStepRunner } from './build-step-runner.js';
import { BuildWorker } from './build-worker.service.js';
import { BuildsGrpcController } from './builds.grpc-controller.js';
import { BuildsHttpController } from './builds.http-controller.js';
import { BuildsRepository } from './builds.repository.js';
import { ImageWaiter } from './image-waiter.js';
import { LeaseKeeper } from './lease-keeper.js';
import { RequestBuild } from './request-build.use-case.js';
import { CreateImageStep } from './steps/create-image.step.js';
import { CustomiseStep } from './steps/customise.step.js';
import { LaunchInstanceStep } from './steps/launch-instance.step.js';
import { PublishStep } from './steps/publish.step.js';
import { ResolveSourceStep } from './steps/resolve-source.step.js';
import { StopInstanceStep } from './steps/stop-instance.step.js';
import { TerminateInstanceStep } from './steps/terminate-instance.step.js';
import { TestLaunchStep } from './steps/test-launch.step.js';

@Module({
  controllers: [BuildsHttpController, BuildsGrpcController, RecipesMessageController],
  providers: [
    FamilyRecipesRepository,
    BuildsRepository,
    RequestBuild,
    AwaitingSpecRequests,
    BuildCommands,
    BuildJournal,
    BuildOutcomes,
    BuildCleanup,
    BuildStepRunner,
    LeaseKeeper,
    ImageWaiter,
    BuildWorker,
    ResolveSourceStep,
    LaunchInstanceStep,
    CustomiseStep,
    StopInstanceStep,
    CreateImageStep,
    TestLaunchStep,
    TerminateInstanceStep,
    PublishStep,
  ],
  exports: [RequestBuild, BuildWorker],
})
export class BuildsModule {}
