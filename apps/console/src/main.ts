import 'reflect-metadata';
import { runService } from '@ami/runtime';
import { configureConsole } from './configure-console.js';
import { ConsoleModule } from './console.module.js';

void runService(ConsoleModule, { name: 'console', schema: 'console', configure: configureConsole });
