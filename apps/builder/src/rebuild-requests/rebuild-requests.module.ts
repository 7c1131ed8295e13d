import { Module } from '@nestjs/common';
import { BuildsModule } from '../builds/builds.module.js';
import { RebuildRequestsMessageController } from './rebuild-requests.message-controller.js';
import { ReceiveRebuildRequest } from './receive-rebuild-request.service.js';

@Module({
  imports: [BuildsModule],
  controllers: [RebuildRequestsMessageController],
  providers: [ReceiveRebuildRequest],
})
export class RebuildRequestsModule {}
