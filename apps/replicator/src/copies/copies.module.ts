import { Module } from '@nestjs/common';
import { TargetsModule } from '../targets/targets.module.js';
import { DistributionMessageController } from '../distribution/distribution.message-controller.js';
import { DistributionsRepository } from '../distribution/distributions.repository.js';
import { ReleaseRegions } from '../distribution/release-regions.js';
import { CopiesGrpcController } from './copies.grpc-controller.js';
import { CopiesHttpController } from './copies.http-controller.js';
import { CopyCommands } from './copy-commands.use-case.js';
import { CopyJobsRepository } from './copy-jobs.repository.js';
import { CopyOutcomes } from './copy-outcomes.js';
import { CopyPoller } from './copy-poller.js';
import { CopyStarter } from './copy-starter.js';
import { CopyWorker } from './copy-worker.service.js';
import { PlanReplication } from './plan-replication.use-case.js';
import { RegionDirectory } from './region-directory.js';

@Module({
  imports: [TargetsModule],
  controllers: [CopiesHttpController, CopiesGrpcController, DistributionMessageController],
  providers: [
    DistributionsRepository,
    CopyJobsRepository,
    PlanReplication,
    ReleaseRegions,
    CopyOutcomes,
    RegionDirectory,
    CopyStarter,
    CopyPoller,
    CopyWorker,
    CopyCommands,
  ],
  exports: [CopyWorker],
})
export class CopiesModule {}
