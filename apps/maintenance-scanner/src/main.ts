import 'reflect-metadata';
import { runService } from '@ami/runtime';
import { configureMaintenanceScanner } from './configure-maintenance-scanner.js';
import { MaintenanceScannerModule } from './maintenance-scanner.module.js';

void runService(MaintenanceScannerModule, {
  name: 'maintenance-scanner',
  schema: 'maintenance_scanner',
  consumeEvents: true,
  configure: configureMaintenanceScanner,
});
