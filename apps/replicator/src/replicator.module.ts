import { Module } from '@nestjs/common';
import { AuthModule } from '@ami/auth';
import { AwsModule } from '@ami/aws';
import { GrpcHealthController, ServiceModule } from '@ami/runtime';
import { CopiesModule } from './copies/copies.module.js';
import { TargetsModule } from './targets/targets.module.js';
import { replicatorConfigSchema } from './config/replicator.config.js';
import { replicatorDatabase } from './database/replicator.database.js';

@Module({
  imports: [
    ServiceModule.forService({
      name: 'replicator',
      config: replicatorConfigSchema,
      ...replicatorDatabase,
    }),
    AuthModule,
    AwsModule,
    CopiesModule,
    TargetsModule,
  ],
  controllers: [GrpcHealthController],
})
export class ReplicatorModule {}
