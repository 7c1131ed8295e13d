import { Module } from '@nestjs/common';
import { ServiceModule } from '@ami/runtime';
import { maintenance_scannerConfigSchema } from './config/maintenance-scanner.config.js';
import { maintenance_scannerDatabase } from './database/maintenance-scanner.database.js';

@Module({
  imports: [
    ServiceModule.forService({
      name: 'maintenance-scanner',
      config: maintenance_scannerConfigSchema,
      ...maintenance_scannerDatabase,
    }),
  ],
})
export class MaintenanceScannerModule {}
