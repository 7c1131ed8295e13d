import { Module } from '@nestjs/common';
import { AuthModule } from '@ami/auth';
import { AwsModule } from '@ami/aws';
import { GrpcHealthController, ServiceModule } from '@ami/runtime';
import { maintenanceScannerConfigSchema } from './config/maintenance-scanner.config.js';
import { maintenanceScannerDatabase } from './database/maintenance-scanner.database.js';
import { RetentionModule } from './retention/retention.module.js';
import { ScansModule } from './scans/scans.module.js';

@Module({
  imports: [
    ServiceModule.forService({
      name: 'maintenance-scanner',
      config: maintenanceScannerConfigSchema,
      ...maintenanceScannerDatabase,
    }),
    AuthModule,
    AwsModule,
    ScansModule,
    RetentionModule,
  ],
  controllers: [GrpcHealthController],
})
export class MaintenanceScannerModule {}
