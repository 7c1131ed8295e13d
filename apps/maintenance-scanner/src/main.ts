import 'reflect-metadata';
import { runService } from '@ami/runtime';
import { MaintenanceScannerModule } from './maintenance-scanner.module.js';

void runService(MaintenanceScannerModule, {
  name: 'maintenance-scanner',
  schema: 'maintenance_scanner',
});
