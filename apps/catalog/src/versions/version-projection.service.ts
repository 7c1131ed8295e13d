import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  BUILD_SUCCEEDED,
  BuildSucceeded,
  CloudEvent,
  COPY_FAILED,
  COPY_STARTED,
  COPY_SUCCEEDED,
  CopyFailed,
  CopyStarted,
  CopySucceeded,
  IMAGE_LIFECYCLE_CHANGED,
  ImageLifecycleChanged,
  LAUNCH_PERMISSIONS_APPLIED,
  LaunchPermissionsApplied,
} from '@ami/contracts';
import { FamiliesRepository } from '../families/families.repository.js';
import { ResolveInvalidation } from '../resolve/resolve-invalidation.js';
import { OrphanAdoption } from './orphan-adoption.service.js';
import { VersionsRepository } from './versions.repository.js';

/**
 * Builds the catalog's read model of versions and regional copies from the other services'
 * facts. Runs inside the inbox transaction of each event, so each is applied once.
 */
@Injectable()
export class VersionProjection implements OnModuleInit {
  constructor(
    @Inject(VersionsRepository) private readonly versions: VersionsRepository,
    @Inject(FamiliesRepository) private readonly families: FamiliesRepository,
    @Inject(OrphanAdoption) private readonly orphans: OrphanAdoption,
    @Inject(ResolveInvalidation) private readonly invalidation: ResolveInvalidation,
  ) {}

  onModuleInit() {
    this.orphans.registerApplier((tx, event) => this.apply(tx, event));
  }

  async apply(tx: EntityManager, event: CloudEvent): Promise<void> {
    const family = (event.data as { family: string }).family;
    // Events of one family arrive on several topics, consumed concurrently: serialise them per
    // family so a copy never checks for its version while the build that creates it is in flight.
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`catalog-family:${family}`]);
    if (!(await this.families.get(family, tx))) return this.orphans.keep(tx, event, family);
    // A copy or permission event can overtake its version's build event only across topics;
    // keep it as an orphan-like record until the version exists.
    if (event.type !== BUILD_SUCCEEDED) {
      const { version } = event.data as { version: string };
      if (!(await this.versions.exists(tx, family, version)))
        return this.orphans.keep(tx, event, family);
    }
    switch (event.type) {
      case BUILD_SUCCEEDED:
        await this.buildSucceeded(tx, event.data as BuildSucceeded);
        break;
      case COPY_STARTED: {
        const d = event.data as CopyStarted;
        await this.versions.upsertCopy(tx, {
          family,
          version: d.version,
          region: d.region,
          imageId: d.imageId,
          state: 'pending',
        });
        break;
      }
      case COPY_SUCCEEDED: {
        const d = event.data as CopySucceeded;
        await this.versions.upsertCopy(tx, {
          family,
          version: d.version,
          region: d.region,
          imageId: d.imageId,
          snapshotIds: d.snapshotIds,
          state: 'available',
          ownerType: 'self',
          rootDeviceType: 'ebs',
        });
        await this.orphans.adopt(tx, family);
        break;
      }
      case COPY_FAILED: {
        const d = event.data as CopyFailed;
        await this.versions.upsertCopy(tx, {
          family,
          version: d.version,
          region: d.region,
          state: 'failed',
          reason: d.reason,
        });
        break;
      }
      case LAUNCH_PERMISSIONS_APPLIED: {
        const d = event.data as LaunchPermissionsApplied;
        const { family: _f, version, region, imageId: _i, ...permissions } = d;
        // Permissions for a copy the catalog has not seen yet wait as an orphan for the copy.
        if (
          (await this.versions.setLaunchPermissions(tx, family, version, region, permissions)) === 0
        )
          return this.orphans.keep(tx, event, family);
        break;
      }
      case IMAGE_LIFECYCLE_CHANGED: {
        const d = event.data as ImageLifecycleChanged;
        await this.versions.upsertCopy(tx, {
          family,
          version: d.version,
          region: d.region,
          imageId: d.imageId,
          state: d.state,
          reason: d.reason,
        });
        break;
      }
      default:
        return;
    }
    await this.invalidation.notify(tx, family);
  }

  private async buildSucceeded(tx: EntityManager, d: BuildSucceeded): Promise<void> {
    await this.versions.insertVersion(tx, {
      family: d.family,
      version: d.version,
      origin: 'build',
      buildId: d.buildId,
      specVersion: d.specVersion,
      recipeDigest: d.recipeDigest,
      sourceImageId: d.source.imageId,
      sourceRegion: d.source.region,
      sourceDescription: d.source.description,
      parent:
        d.source.parent &&
        (await this.versions.exists(tx, d.source.parent.family, d.source.parent.version))
          ? d.source.parent
          : null,
      createdAt: d.finishedAt,
    });
    await this.versions.upsertCopy(tx, {
      family: d.family,
      version: d.version,
      region: d.image.region,
      imageId: d.image.imageId,
      snapshotIds: d.image.snapshotIds,
      state: 'available',
      ownerType: 'self',
      rootDeviceType: 'ebs',
    });
    await this.orphans.adopt(tx, d.family);
  }
}
