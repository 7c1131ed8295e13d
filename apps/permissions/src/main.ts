import 'reflect-metadata';
import { runService } from '@ami/runtime';
import { PermissionsModule } from './permissions.module.js';

void runService(PermissionsModule, { name: 'permissions', schema: 'permissions' });
