import { Module } from '@nestjs/common';
import { AuthModule } from '@ami/auth';
import { AwsModule } from '@ami/aws';
import { GrpcHealthController, ServiceModule } from '@ami/runtime';
import { permissionsConfigSchema } from './config/permissions.config.js';
import { permissionsDatabase } from './database/permissions.database.js';
import { LaunchPermissionsModule } from './launch-permissions.module.js';

@Module({
  imports: [
    ServiceModule.forService({
      name: 'permissions',
      config: permissionsConfigSchema,
      ...permissionsDatabase,
    }),
    AuthModule,
    AwsModule,
    LaunchPermissionsModule,
  ],
  controllers: [GrpcHealthController],
})
export class PermissionsModule {}
