import { Module } from '@nestjs/common';
import { ServiceModule } from '@ami/runtime';
import { permissionsConfigSchema } from './config/permissions.config.js';
import { permissionsDatabase } from './database/permissions.database.js';

@Module({
  imports: [
    ServiceModule.forService({
      name: 'permissions',
      config: permissionsConfigSchema,
      ...permissionsDatabase,
    }),
  ],
})
export class PermissionsModule {}
