import { Module } from '@nestjs/common';
import { FactsMessageController } from './facts.message-controller.js';
import { LearnFacts } from './learn-facts.use-case.js';
import { MaintenanceGrpcController } from './maintenance.grpc-controller.js';
import { MaintenanceHttpController } from './maintenance.http-controller.js';
import { ScanOutcomes } from './scan-outcomes.js';
import { ScanWorker } from './scan-worker.service.js';
import { ScansRepository } from './scans.repository.js';
import { SourceLookups } from './source-lookups.js';

/** Scans: facts learnt, families scanned on schedule and on events, rebuilds asked once per cause. */
@Module({
  controllers: [MaintenanceHttpController, MaintenanceGrpcController, FactsMessageController],
  providers: [ScansRepository, LearnFacts, SourceLookups, ScanOutcomes, ScanWorker],
})
export class ScansModule {}
