import type { ServiceDatabase, ServiceName } from '@ami/persistence';
import { builderDatabase } from '../../apps/builder/src/database/builder.database.js';
import { catalogDatabase } from '../../apps/catalog/src/database/catalog.database.js';
import { maintenanceScannerDatabase } from '../../apps/maintenance-scanner/src/database/maintenance-scanner.database.js';
import { permissionsDatabase } from '../../apps/permissions/src/database/permissions.database.js';
import { replicatorDatabase } from '../../apps/replicator/src/database/replicator.database.js';

/** Every service's schema definition, for the tools that act on all of them. */
export const SERVICE_DATABASES: Record<ServiceName, ServiceDatabase> = {
  catalog: catalogDatabase,
  builder: builderDatabase,
  replicator: replicatorDatabase,
  permissions: permissionsDatabase,
  'maintenance-scanner': maintenanceScannerDatabase,
};
