import { Controller, Inject } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import {
  BUILD_SUCCEEDED,
  COPY_SUCCEEDED,
  IMAGE_LIFECYCLE_CHANGED,
  VERSION_IMPORTED,
} from '@ami/contracts';
import type {
  BuildSucceeded,
  CloudEvent,
  CopySucceeded,
  ImageLifecycleChanged,
  VersionImported,
} from '@ami/contracts';
import { Ec2Gateway } from '@ami/aws';
import { EventContext, OnEvent } from '@ami/messaging';
import { CopiesRepository } from '../copies/copies.repository.js';
import { PermissionsWorker } from '../apply/permissions-worker.service.js';

/**
 * Kafka adapter: every new regional copy (the build region's image, each replica, each imported
 * image) becomes a managed copy with a pass due, and lifecycle changes follow the image.
 */
@Controller()
export class CopyEventsMessageController {
  constructor(
    @Inject(CopiesRepository) private readonly copies: CopiesRepository,
    @Inject(Ec2Gateway) private readonly ec2: Ec2Gateway,
    @Inject(PermissionsWorker) private readonly worker: PermissionsWorker,
  ) {}

  @OnEvent(BUILD_SUCCEEDED)
  async onBuildSucceeded(
    @Payload() event: CloudEvent<string, BuildSucceeded>,
    @Ctx() ctx: EventContext,
  ) {
    const d = event.data;
    await this.copies.upsert(ctx.tx, {
      family: d.family,
      version: d.version,
      region: d.image.region,
      account: this.ec2.defaultAccount,
      imageId: d.image.imageId,
      snapshotIds: d.image.snapshotIds,
      origin: 'build',
    });
    this.worker.nudge();
  }

  @OnEvent(COPY_SUCCEEDED)
  async onCopySucceeded(
    @Payload() event: CloudEvent<string, CopySucceeded>,
    @Ctx() ctx: EventContext,
  ) {
    const d = event.data;
    // an owned copy in another account is that account's to share, not the platform's
    if (d.account && d.account !== this.ec2.defaultAccount) return;
    await this.copies.upsert(ctx.tx, {
      family: d.family,
      version: d.version,
      region: d.region,
      account: this.ec2.defaultAccount,
      imageId: d.imageId,
      snapshotIds: d.snapshotIds,
      origin: 'copy',
    });
    this.worker.nudge();
  }

  @OnEvent(VERSION_IMPORTED)
  async onVersionImported(
    @Payload() event: CloudEvent<string, VersionImported>,
    @Ctx() ctx: EventContext,
  ) {
    for (const image of event.data.images) {
      // only images the platform's account owns can have their permissions changed
      if (image.ownerType !== 'self' && image.ownerId !== this.ec2.defaultAccount) continue;
      await this.copies.upsert(ctx.tx, {
        family: event.data.family,
        version: event.data.version,
        region: image.region,
        account: this.ec2.defaultAccount,
        imageId: image.imageId,
        snapshotIds: image.snapshotIds,
        origin: 'import',
      });
    }
    this.worker.nudge();
  }

  @OnEvent(IMAGE_LIFECYCLE_CHANGED)
  async onLifecycleChanged(
    @Payload() event: CloudEvent<string, ImageLifecycleChanged>,
    @Ctx() ctx: EventContext,
  ) {
    const d = event.data;
    await this.copies.setImageState(
      ctx.tx,
      { family: d.family, version: d.version, region: d.region, imageId: d.imageId },
      d.state,
    );
  }
}
