import 'reflect-metadata';
import { runService } from '@ami/runtime';
import { CatalogModule } from './catalog.module.js';
import { configureCatalog } from './configure-catalog.js';

void runService(CatalogModule, {
  name: 'catalog',
  schema: 'catalog',
  consumeEvents: true,
  configure: configureCatalog,
});
