import { Module } from '@nestjs/common';
import { PermissionsGrpcController } from './api/permissions.grpc-controller.js';
import { PermissionsHttpController } from './api/permissions.http-controller.js';
import { PermissionsView } from './api/permissions-view.js';
import { CopyPass } from './apply/copy-pass.js';
import { Ec2Permissions } from './apply/ec2-permissions.js';
import { PassOutcomes } from './apply/pass-outcomes.js';
import { PermissionsWorker } from './apply/permissions-worker.service.js';
import { RegionBatch } from './apply/region-batch.js';
import { CopiesRepository } from './copies/copies.repository.js';
import { RegionStatusRepository } from './copies/region-status.repository.js';
import { DriftRepository } from './drift/drift.repository.js';
import { CopyEventsMessageController } from './events/copy-events.message-controller.js';
import { FamilySpecsMessageController } from './events/family-specs.message-controller.js';
import { ManualOverrides } from './overrides/manual-overrides.use-case.js';
import { OverrideExpiry } from './overrides/override-expiry.js';
import { Refusals } from './overrides/refusals.js';
import { RequestReconcile } from './reconcile/request-reconcile.use-case.js';
import { FamilySharingRepository } from './sharing/family-sharing.repository.js';

/** Launch permissions: desired state, apply and reconcile passes, drift, manual overrides, APIs. */
@Module({
  controllers: [
    PermissionsHttpController,
    PermissionsGrpcController,
    CopyEventsMessageController,
    FamilySpecsMessageController,
  ],
  providers: [
    CopiesRepository,
    RegionStatusRepository,
    FamilySharingRepository,
    DriftRepository,
    Ec2Permissions,
    CopyPass,
    PassOutcomes,
    RegionBatch,
    PermissionsWorker,
    OverrideExpiry,
    Refusals,
    ManualOverrides,
    RequestReconcile,
    PermissionsView,
  ],
  exports: [PermissionsWorker],
})
export class LaunchPermissionsModule {}
