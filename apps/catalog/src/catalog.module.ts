import { Module } from '@nestjs/common';
import { AuthModule } from '@ami/auth';
import { AwsModule } from '@ami/aws';
import { GrpcHealthController, ServiceModule } from '@ami/runtime';
import { ChannelsHttpController } from './channels/channels.http-controller.js';
import { ChannelsRepository } from './channels/channels.repository.js';
import { ScannerPromotionsMessageController } from './channels/scanner-promotions.message-controller.js';
import { RevokeVersion } from './versions/revoke-version.use-case.js';
import { MoveChannel } from './channels/move-channel.use-case.js';
import { catalogConfigSchema } from './config/catalog.config.js';
import { catalogDatabase } from './database/catalog.database.js';
import { ApplyFamilySpec } from './families/apply-family-spec.use-case.js';
import {
  FamiliesHttpController,
  SpecsHttpController,
} from './families/families.http-controller.js';
import { FamiliesRepository } from './families/families.repository.js';
import { CatalogGrpcController } from './grpc/catalog.grpc-controller.js';
import { ImportImages } from './imports/import-images.use-case.js';
import { ImportsHttpController } from './imports/imports.http-controller.js';
import { LineageHttpController } from './lineage/lineage.http-controller.js';
import { LineageService } from './lineage/lineage.service.js';
import { RebuildsHttpController } from './rebuilds/rebuilds.http-controller.js';
import { RequestRebuild } from './rebuilds/request-rebuild.use-case.js';
import { ResolveInvalidation } from './resolve/resolve-invalidation.js';
import { ResolveHttpController } from './resolve/resolve.http-controller.js';
import { ResolveService } from './resolve/resolve.service.js';
import { OrphanAdoption } from './versions/orphan-adoption.service.js';
import { VersionProjection } from './versions/version-projection.service.js';
import { VersionsHttpController } from './versions/versions.http-controller.js';
import { VersionsMessageController } from './versions/versions.message-controller.js';
import { VersionsRepository } from './versions/versions.repository.js';
import { StaleFacts } from './versions/stale-facts.js';

@Module({
  imports: [
    ServiceModule.forService({ name: 'catalog', config: catalogConfigSchema, ...catalogDatabase }),
    AuthModule,
    AwsModule,
  ],
  controllers: [
    FamiliesHttpController,
    SpecsHttpController,
    VersionsHttpController,
    VersionsMessageController,
    ChannelsHttpController,
    ScannerPromotionsMessageController,
    ResolveHttpController,
    LineageHttpController,
    RebuildsHttpController,
    ImportsHttpController,
    CatalogGrpcController,
    GrpcHealthController,
  ],
  providers: [
    FamiliesRepository,
    ApplyFamilySpec,
    VersionsRepository,
    VersionProjection,
    OrphanAdoption,
    StaleFacts,
    ChannelsRepository,
    MoveChannel,
    RevokeVersion,
    ResolveInvalidation,
    ResolveService,
    LineageService,
    RequestRebuild,
    ImportImages,
  ],
})
export class CatalogModule {}
