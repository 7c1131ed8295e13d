import type { ServiceDatabase } from '@ami/persistence';
import { MessagingTables1764201600000 } from './migrations/1764201600000-messaging-tables.js';
import { OutboxSetAside1764990000000 } from './migrations/1764990000000-outbox-set-aside.js';
import { MaintenanceScans1765100000000 } from './migrations/1765100000000-maintenance-scans.js';
import { RevocationsAndPromotions1765100100000 } from './migrations/1765100100000-revocations-and-promotions.js';
import { AskOrigins1765100200000 } from './migrations/1765100200000-ask-origins.js';
import { Retention1765200000000 } from './migrations/1765200000000-retention.js';

/** The maintenance-scanner service's schema: its entities and, in order, its migrations. */
export const maintenanceScannerDatabase: ServiceDatabase = {
  schema: 'maintenance_scanner',
  entities: [],
  migrations: [
    MessagingTables1764201600000,
    OutboxSetAside1764990000000,
    MaintenanceScans1765100000000,
    RevocationsAndPromotions1765100100000,
    AskOrigins1765100200000,
    Retention1765200000000,
  ],
};
