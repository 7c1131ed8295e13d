import 'reflect-metadata';
import { runService } from '@ami/runtime';
import { ReplicatorModule } from './replicator.module.js';

void runService(ReplicatorModule, { name: 'replicator', schema: 'replicator' });
