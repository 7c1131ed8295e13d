import { Module } from '@nestjs/common';
import { ServiceModule } from '@ami/runtime';
import { replicatorConfigSchema } from './config/replicator.config.js';
import { replicatorDatabase } from './database/replicator.database.js';

@Module({
  imports: [
    ServiceModule.forService({
      name: 'replicator',
      config: replicatorConfigSchema,
      ...replicatorDatabase,
    }),
  ],
})
export class ReplicatorModule {}
