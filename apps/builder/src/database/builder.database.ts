import type { ServiceDatabase } from '@ami/persistence';
import { RebuildRequestEntity } from '../rebuild-requests/rebuild-request.entity.js';
import { MessagingTables1764201600000 } from './migrations/1764201600000-messaging-tables.js';
import { OutboxSetAside1764990000000 } from './migrations/1764990000000-outbox-set-aside.js';
import { RebuildRequests1764201700000 } from './migrations/1764201700000-rebuild-requests.js';
import { Builds1764201900000 } from './migrations/1764201900000-builds.js';
import { ProjectionPositions1765000000000 } from './migrations/1765000000000-projection-positions.js';
import { BuildHardening1764202100000 } from './migrations/1764202100000-build-hardening.js';

/** The builder's schema: its entities and, in order, its migrations. */
export const builderDatabase: ServiceDatabase = {
  schema: 'builder',
  entities: [RebuildRequestEntity],
  migrations: [
    MessagingTables1764201600000,
    RebuildRequests1764201700000,
    Builds1764201900000,
    BuildHardening1764202100000,
    OutboxSetAside1764990000000,
    ProjectionPositions1765000000000,
  ],
};
