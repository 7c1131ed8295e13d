import { Module } from '@nestjs/common';
import { DistributionsRepository } from '../distribution/distributions.repository.js';
import { AimTargets } from './aim-targets.use-case.js';
import { TargetImages } from './target-images.js';
import { TargetOutcomes } from './target-outcomes.js';
import { TargetReconciler } from './target-reconciler.js';
import { TargetWorker } from './target-worker.service.js';
import { TargetWriter } from './target-writer.js';
import { TargetsHttpController } from './targets.http-controller.js';
import { TargetsMessageController } from './targets.message-controller.js';
import { TargetsRepository } from './targets.repository.js';

/** Distribution targets: SSM parameters and launch templates that follow the channels. */
@Module({
  controllers: [TargetsHttpController, TargetsMessageController],
  providers: [
    DistributionsRepository,
    TargetsRepository,
    AimTargets,
    TargetImages,
    TargetWriter,
    TargetOutcomes,
    TargetReconciler,
    TargetWorker,
  ],
  exports: [AimTargets],
})
export class TargetsModule {}
