import { Controller, Inject } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { CHANNEL_MOVED } from '@ami/contracts';
import type { ChannelMoved, CloudEvent } from '@ami/contracts';
import { EventContext, OnEvent } from '@ami/messaging';
import { AimTargets } from './aim-targets.use-case.js';

/** Kafka adapter: a channel move points the family's SSM parameters and launch templates anew. */
@Controller()
export class TargetsMessageController {
  constructor(@Inject(AimTargets) private readonly aim: AimTargets) {}

  @OnEvent(CHANNEL_MOVED)
  onChannelMoved(@Payload() event: CloudEvent<string, ChannelMoved>, @Ctx() ctx: EventContext) {
    const d = event.data;
    return this.aim.channelMoved(ctx.tx, {
      family: d.family,
      channel: d.channel,
      version: d.version,
      previousVersion: d.previousVersion,
      sequence: d.sequence ?? null,
      movement: d.movement,
      movedBy: d.movedBy,
      correlationId: event.correlationid ?? event.id,
    });
  }
}
