import type { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { freePort, startServiceForTest } from '@ami/testing';
import { BuilderModule } from '../../apps/builder/src/builder.module.js';
import { configureBuilder } from '../../apps/builder/src/configure-builder.js';
import { CatalogModule } from '../../apps/catalog/src/catalog.module.js';
import { configureCatalog } from '../../apps/catalog/src/configure-catalog.js';
import { configureMaintenanceScanner } from '../../apps/maintenance-scanner/src/configure-maintenance-scanner.js';
import { MaintenanceScannerModule } from '../../apps/maintenance-scanner/src/maintenance-scanner.module.js';
import { configurePermissions } from '../../apps/permissions/src/configure-permissions.js';
import { PermissionsModule } from '../../apps/permissions/src/permissions.module.js';
import { configureReplicator } from '../../apps/replicator/src/configure-replicator.js';
import { ReplicatorModule } from '../../apps/replicator/src/replicator.module.js';

/** The five services, each with its module, its boot hook and its own .proto. */
export const SERVICES = [
  { name: 'catalog', schema: 'catalog', module: CatalogModule, configure: configureCatalog },
  { name: 'builder', schema: 'builder', module: BuilderModule, configure: configureBuilder },
  {
    name: 'replicator',
    schema: 'replicator',
    module: ReplicatorModule,
    configure: configureReplicator,
  },
  {
    name: 'permissions',
    schema: 'permissions',
    module: PermissionsModule,
    configure: configurePermissions,
  },
  {
    name: 'maintenance-scanner',
    schema: 'maintenance_scanner',
    module: MaintenanceScannerModule,
    configure: configureMaintenanceScanner,
  },
] as const;

export interface RunningService {
  name: string;
  url: string;
  grpcAddress: string;
  app: INestApplication;
}

/** Background workers off: the API edge is what is under test, not the pipelines. */
const QUIET = {
  BUILD_WORKER_ENABLED: 'false',
  JANITOR_ENABLED: 'false',
  SCAN_WORKER_ENABLED: 'false',
  RETENTION_SCHEDULE_ENABLED: 'false',
  RETENTION_WORKER_ENABLED: 'false',
  PERMISSIONS_WORKER_ENABLED: 'false',
  TARGET_WORKER_ENABLED: 'false',
  COPY_WORKER_ENABLED: 'false',
};

/** Boots every service in this process, one after the other, listening on free ports. */
export async function startAllServices(): Promise<RunningService[]> {
  const running: RunningService[] = [];
  for (const s of SERVICES) {
    const httpPort = await freePort();
    const grpcPort = await freePort();
    const app = (await startServiceForTest(
      s.module,
      { name: s.name, schema: s.schema, consumeEvents: false },
      { ...QUIET, HTTP_PORT: String(httpPort), GRPC_PORT: String(grpcPort) },
      s.configure,
    )) as NestFastifyApplication;
    await app.listen(httpPort, '127.0.0.1');
    running.push({
      name: s.name,
      url: `http://127.0.0.1:${httpPort}`,
      grpcAddress: `127.0.0.1:${grpcPort}`,
      app,
    });
  }
  return running;
}
