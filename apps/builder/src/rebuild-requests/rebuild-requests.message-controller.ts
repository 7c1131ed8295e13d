import { Controller, Inject } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { REBUILD_REQUESTED } from '@ami/contracts';
import type { CloudEvent, RebuildRequested } from '@ami/contracts';
import { EventContext, OnEvent } from '@ami/messaging';
import { ReceiveRebuildRequest } from './receive-rebuild-request.service.js';

/** Kafka adapter: rebuild requests from any producer on ami.rebuild-requests.v1. */
@Controller()
export class RebuildRequestsMessageController {
  constructor(@Inject(ReceiveRebuildRequest) private readonly receive: ReceiveRebuildRequest) {}

  @OnEvent(REBUILD_REQUESTED)
  async onRebuildRequested(
    @Payload() event: CloudEvent<string, RebuildRequested>,
    @Ctx() ctx: EventContext,
  ) {
    await this.receive.execute(ctx.tx, event);
  }
}
