import { Module } from '@nestjs/common';
import { ScansRepository } from '../scans/scans.repository.js';
import { RestoreVersion } from './restore-version.use-case.js';
import { RetentionActions } from './retention-actions.js';
import { RetentionExecutor } from './retention-executor.service.js';
import { RetentionPlanner } from './retention-planner.js';
import { RetentionScheduler } from './retention-scheduler.service.js';
import { RetentionGrpcController } from './retention.grpc-controller.js';
import { RetentionHttpController } from './retention.http-controller.js';
import { RetentionRepository } from './retention.repository.js';

/**
 * Retention: plans of what to deprecate, disable and retire (dry runs by API, or from the
 * scans on schedule), executed exactly as stored; restores and holds.
 */
@Module({
  controllers: [RetentionHttpController, RetentionGrpcController],
  providers: [
    ScansRepository,
    RetentionRepository,
    RetentionPlanner,
    RetentionActions,
    RetentionExecutor,
    RetentionScheduler,
    RestoreVersion,
  ],
})
export class RetentionModule {}
