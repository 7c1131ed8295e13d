import { Controller, Inject } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import {
  BUILD_SUCCEEDED,
  COPY_FAILED,
  COPY_STARTED,
  COPY_SUCCEEDED,
  IMAGE_LIFECYCLE_CHANGED,
  LAUNCH_PERMISSIONS_APPLIED,
} from '@ami/contracts';
import type { CloudEvent } from '@ami/contracts';
import { EventContext, OnEvent } from '@ami/messaging';
import { VersionProjection } from './version-projection.service.js';

/** Kafka adapter: the other services' facts about versions and their regional copies. */
@Controller()
export class VersionsMessageController {
  constructor(@Inject(VersionProjection) private readonly projection: VersionProjection) {}

  @OnEvent(BUILD_SUCCEEDED)
  onBuildSucceeded(@Payload() event: CloudEvent, @Ctx() ctx: EventContext) {
    return this.projection.apply(ctx.tx, event);
  }

  @OnEvent(COPY_STARTED)
  onCopyStarted(@Payload() event: CloudEvent, @Ctx() ctx: EventContext) {
    return this.projection.apply(ctx.tx, event);
  }

  @OnEvent(COPY_SUCCEEDED)
  onCopySucceeded(@Payload() event: CloudEvent, @Ctx() ctx: EventContext) {
    return this.projection.apply(ctx.tx, event);
  }

  @OnEvent(COPY_FAILED)
  onCopyFailed(@Payload() event: CloudEvent, @Ctx() ctx: EventContext) {
    return this.projection.apply(ctx.tx, event);
  }

  @OnEvent(LAUNCH_PERMISSIONS_APPLIED)
  onLaunchPermissionsApplied(@Payload() event: CloudEvent, @Ctx() ctx: EventContext) {
    return this.projection.apply(ctx.tx, event);
  }

  @OnEvent(IMAGE_LIFECYCLE_CHANGED)
  onImageLifecycleChanged(@Payload() event: CloudEvent, @Ctx() ctx: EventContext) {
    return this.projection.apply(ctx.tx, event);
  }
}
