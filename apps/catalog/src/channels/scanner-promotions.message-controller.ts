import { Controller, Inject } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { MAINTENANCE_PROMOTION_REQUESTED } from '@ami/contracts';
import type { CloudEvent, MaintenancePromotionRequested } from '@ami/contracts';
import { AuditRecorder, EventContext, OnEvent } from '@ami/messaging';
import { AppError } from '@ami/runtime';
import { ChannelsRepository } from './channels.repository.js';
import { MoveChannel } from './move-channel.use-case.js';

/**
 * Kafka adapter: the scanner's promotion after a rebuild (maintenance.promoteAfterRebuild) is
 * a promote by the scanner, with an operator's rights, in the consumer's transaction. Refused
 * (a protected channel, a version missing from a target region): audited with the reason.
 * Already there (a replayed event): nothing.
 */
@Controller()
export class ScannerPromotionsMessageController {
  constructor(
    @Inject(MoveChannel) private readonly moves: MoveChannel,
    @Inject(ChannelsRepository) private readonly channels: ChannelsRepository,
    @Inject(AuditRecorder) private readonly audit: AuditRecorder,
  ) {}

  @OnEvent(MAINTENANCE_PROMOTION_REQUESTED)
  async onPromotion(
    @Payload() event: CloudEvent<string, MaintenancePromotionRequested>,
    @Ctx() ctx: EventContext,
  ) {
    const d = event.data;
    const current = await this.channels.lock(ctx.tx, d.family, d.channel);
    if (current?.version === d.version) return;
    try {
      await this.moves.promoteIn(ctx.tx, {
        actor: 'maintenance-scanner',
        isAdmin: false,
        family: d.family,
        channel: d.channel,
        version: d.version,
        reason: d.reason,
      });
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      await this.audit.record(
        ctx.tx,
        {
          actor: 'maintenance-scanner',
          action: 'channel.promote-refused',
          subject: { family: d.family, version: d.version, channel: d.channel },
          before: null,
          after: null,
          outcome: 'rejected',
          reason: error.message,
        },
        event,
      );
    }
  }
}
