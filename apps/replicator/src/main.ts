import 'reflect-metadata';
import { runService } from '@ami/runtime';
import { configureReplicator } from './configure-replicator.js';
import { ReplicatorModule } from './replicator.module.js';

void runService(ReplicatorModule, {
  name: 'replicator',
  schema: 'replicator',
  consumeEvents: true,
  configure: configureReplicator,
});
