import { Module } from '@nestjs/common';
import { ServiceModule } from '@ami/runtime';
import { builderConfigSchema } from './config/builder.config.js';
import { builderDatabase } from './database/builder.database.js';
import { RebuildRequestsModule } from './rebuild-requests/rebuild-requests.module.js';

@Module({
  imports: [
    ServiceModule.forService({ name: 'builder', config: builderConfigSchema, ...builderDatabase }),
    RebuildRequestsModule,
  ],
})
export class BuilderModule {}
