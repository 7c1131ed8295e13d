import type { ServiceDatabase } from '@ami/persistence';
import { MessagingTables1764201600000 } from './migrations/1764201600000-messaging-tables.js';
import { CopyJobs1764202000000 } from './migrations/1764202000000-copy-jobs.js';
import { OutboxSetAside1764990000000 } from './migrations/1764990000000-outbox-set-aside.js';
import { DistributionTargetsSlice1765000000000 } from './migrations/1765000000000-distribution-targets.js';
import { TargetStates1765000100000 } from './migrations/1765000100000-target-states.js';
import { AccountCopies1765000200000 } from './migrations/1765000200000-account-copies.js';

/** The replicator service's schema: its entities and, in order, its migrations. */
export const replicatorDatabase: ServiceDatabase = {
  schema: 'replicator',
  entities: [],
  migrations: [
    MessagingTables1764201600000,
    CopyJobs1764202000000,
    OutboxSetAside1764990000000,
    DistributionTargetsSlice1765000000000,
    TargetStates1765000100000,
    AccountCopies1765000200000,
  ],
};
