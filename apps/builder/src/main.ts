import 'reflect-metadata';
import { runService } from '@ami/runtime';
import { BuilderModule } from './builder.module.js';

void runService(BuilderModule, { name: 'builder', schema: 'builder', consumeEvents: true });
