import type { ServiceDatabase } from '@ami/persistence';
import { MessagingTables1764201600000 } from './migrations/1764201600000-messaging-tables.js';
import { LaunchPermissions1764202100000 } from './migrations/1764202100000-launch-permissions.js';
import { OutboxSetAside1764990000000 } from './migrations/1764990000000-outbox-set-aside.js';

/** The permissions service's schema: its entities and, in order, its migrations. */
export const permissionsDatabase: ServiceDatabase = {
  schema: 'permissions',
  entities: [],
  migrations: [
    MessagingTables1764201600000,
    LaunchPermissions1764202100000,
    OutboxSetAside1764990000000,
  ],
};
