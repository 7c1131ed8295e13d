import { Module } from '@nestjs/common';
import { AuthModule } from '@ami/auth';
import { AwsModule } from '@ami/aws';
import { GrpcHealthController, ServiceModule } from '@ami/runtime';
import { BuildsModule } from './builds/builds.module.js';
import { builderConfigSchema } from './config/builder.config.js';
import { builderDatabase } from './database/builder.database.js';
import { JanitorModule } from './janitor/janitor.module.js';
import { RebuildRequestsModule } from './rebuild-requests/rebuild-requests.module.js';

@Module({
  imports: [
    ServiceModule.forService({ name: 'builder', config: builderConfigSchema, ...builderDatabase }),
    AuthModule,
    AwsModule,
    BuildsModule,
    RebuildRequestsModule,
    JanitorModule,
  ],
  controllers: [GrpcHealthController],
})
export class BuilderModule {}
