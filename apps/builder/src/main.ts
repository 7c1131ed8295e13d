import 'reflect-metadata';
import { runService } from '@ami/runtime';
import { BuilderModule } from './builder.module.js';
import { configureBuilder } from './configure-builder.js';

void runService(BuilderModule, {
  name: 'builder',
  schema: 'builder',
  consumeEvents: true,
  configure: configureBuilder,
});
