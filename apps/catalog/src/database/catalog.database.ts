import type { ServiceDatabase } from '@ami/persistence';
import { MessagingTables1764201600000 } from './migrations/1764201600000-messaging-tables.js';
import { OutboxSetAside1764990000000 } from './migrations/1764990000000-outbox-set-aside.js';
import { CatalogModel1764201800000 } from './migrations/1764201800000-catalog-model.js';
import { ProjectionPositions1765000000000 } from './migrations/1765000000000-projection-positions.js';
import { AccountCopies1765000200000 } from './migrations/1765000200000-account-copies.js';
import { VersionRevocation1765100000000 } from './migrations/1765100000000-version-revocation.js';

/** The catalog's schema: its migrations, in order. Repositories use SQL, no entity classes. */
export const catalogDatabase: ServiceDatabase = {
  schema: 'catalog',
  entities: [],
  migrations: [
    MessagingTables1764201600000,
    CatalogModel1764201800000,
    OutboxSetAside1764990000000,
    ProjectionPositions1765000000000,
    AccountCopies1765000200000,
    VersionRevocation1765100000000,
  ],
};
