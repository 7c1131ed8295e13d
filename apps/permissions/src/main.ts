import 'reflect-metadata';
import { runService } from '@ami/runtime';
import { configurePermissions } from './configure-permissions.js';
import { PermissionsModule } from './permissions.module.js';

void runService(PermissionsModule, {
  name: 'permissions',
  schema: 'permissions',
  consumeEvents: true,
  configure: configurePermissions,
});
