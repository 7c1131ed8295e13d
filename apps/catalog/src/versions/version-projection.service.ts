import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  BUILD_SUCCEEDED,
  BuildSucceeded,
  CloudEvent,
  COPY_FAILED,
  COPY_RELEASED,
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
import { factTime, positionOf } from './fact-position.js';
import { OrphanAdoption } from './orphan-adoption.service.js';
import { StaleFacts } from './stale-facts.js';
import { CopyChange, VersionsRepository } from './versions.repository.js';

/**
 * Builds the catalog's read model of versions and regional copies from the other services'
 * facts. Runs inside the inbox transaction of each event, so each is applied once; a fact
 * older than what its copy already holds (a replayed dead letter, a topic running behind) is
 * refused, and a deregistration is final for its image (docs/adr/012-catalog-projection-order.md).
 */
@Injectable()
export class VersionProjection implements OnModuleInit {
  constructor(
    @Inject(VersionsRepository) private readonly versions: VersionsRepository,
    @Inject(FamiliesRepository) private readonly families: FamiliesRepository,
    @Inject(OrphanAdoption) private readonly orphans: OrphanAdoption,
    @Inject(ResolveInvalidation) private readonly invalidation: ResolveInvalidation,
    @Inject(StaleFacts) private readonly stale: StaleFacts,
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
    const changed = await this.project(tx, event, family);
    if (changed) await this.invalidation.notify(tx, family);
  }

  /** Applies the fact; false if it changed nothing (refused as stale, or not a copy fact). */
  private async project(tx: EntityManager, event: CloudEvent, family: string): Promise<boolean> {
    const account = (event.data as { account?: string }).account;
    if (account) {
      // an owned copy in another account: shown on the version, never resolved
      await this.accountCopyFact(tx, event, family, account);
      return false;
    }
    switch (event.type) {
      case BUILD_SUCCEEDED:
        return this.buildSucceeded(tx, event as CloudEvent<string, BuildSucceeded>);
      case COPY_STARTED: {
        const d = event.data as CopyStarted;
        const copy = { family, version: d.version, region: d.region, imageId: d.imageId };
        return this.copyFact(tx, event, { ...copy, state: 'pending' });
      }
      case COPY_SUCCEEDED: {
        const d = event.data as CopySucceeded;
        const applied = await this.copyFact(tx, event, {
          family,
          version: d.version,
          region: d.region,
          imageId: d.imageId,
          snapshotIds: d.snapshotIds,
          state: 'available',
          ownerType: 'self',
          rootDeviceType: 'ebs',
        });
        if (applied) await this.orphans.adopt(tx, family);
        return applied;
      }
      case COPY_FAILED: {
        const d = event.data as CopyFailed;
        const copy = { family, version: d.version, region: d.region, reason: d.reason };
        return this.copyFact(tx, event, { ...copy, state: 'failed' });
      }
      case LAUNCH_PERMISSIONS_APPLIED:
        return this.permissionsApplied(tx, event as CloudEvent<string, LaunchPermissionsApplied>);
      case IMAGE_LIFECYCLE_CHANGED: {
        const d = event.data as ImageLifecycleChanged;
        return this.copyFact(tx, event, {
          family,
          version: d.version,
          region: d.region,
          imageId: d.imageId,
          state: d.state,
          reason: d.reason,
        });
      }
      default:
        return false;
    }
  }

  private async accountCopyFact(
    tx: EntityManager,
    event: CloudEvent,
    family: string,
    account: string,
  ): Promise<void> {
    const d = event.data as CopySucceeded & { reason?: string };
    const states: Record<string, 'pending' | 'available' | 'failed' | 'released'> = {
      [COPY_STARTED]: 'pending',
      [COPY_SUCCEEDED]: 'available',
      [COPY_FAILED]: 'failed',
      [COPY_RELEASED]: 'released',
    };
    const state = states[event.type];
    if (!state) return;
    const applied = await this.versions.applyAccountCopyFact(tx, {
      family,
      version: d.version,
      account,
      region: d.region,
      state,
      imageId: d.imageId,
      snapshotIds: d.snapshotIds,
      reason: state === 'failed' || state === 'released' ? (d.reason ?? null) : null,
    });
    if (!applied)
      this.stale.refuse(event, `owned copy ${d.version}/${account}/${d.region} holds a later fact`);
  }

  private async copyFact(tx: EntityManager, event: CloudEvent, copy: CopyChange) {
    if (await this.versions.applyCopyFact(tx, copy, positionOf(event))) return true;
    this.stale.refuse(event, `copy ${copy.version}/${copy.region} holds a later fact`);
    return false;
  }

  private async permissionsApplied(
    tx: EntityManager,
    event: CloudEvent<string, LaunchPermissionsApplied>,
  ): Promise<boolean> {
    const { family, version, region, imageId: _i, ...permissions } = event.data;
    const outcome = await this.versions.setLaunchPermissions(
      tx,
      { family, version, region },
      permissions,
      factTime(event),
    );
    // Permissions for a copy the catalog has not seen yet wait as an orphan for the copy.
    if (outcome === 'no-copy') await this.orphans.keep(tx, event, family);
    if (outcome === 'stale')
      this.stale.refuse(event, `copy ${version}/${region} holds later permissions`);
    return outcome === 'applied';
  }

  private async buildSucceeded(
    tx: EntityManager,
    event: CloudEvent<string, BuildSucceeded>,
  ): Promise<boolean> {
    const d = event.data;
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
    const applied = await this.copyFact(tx, event, {
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
    return applied;
  }
}
