import { Module } from '@nestjs/common';
import { RebuildRequestsMessageController } from './rebuild-requests.message-controller.js';
import { ReceiveRebuildRequest } from './receive-rebuild-request.service.js';

@Module({
  controllers: [RebuildRequestsMessageController],
  providers: [ReceiveRebuildRequest],
})
export class RebuildRequestsModule {}
