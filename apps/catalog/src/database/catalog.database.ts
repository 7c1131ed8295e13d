import type { ServiceDatabase } from '@ami/persistence';
import { MessagingTables1764201600000 } from './migrations/1764201600000-messaging-tables.js';

/** The catalog service's schema: its entities and, in order, its migrations. */
export const catalogDatabase: ServiceDatabase = {
  schema: 'catalog',
  entities: [],
  migrations: [MessagingTables1764201600000],
};
