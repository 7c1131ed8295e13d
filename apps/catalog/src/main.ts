import 'reflect-metadata';
import { runService } from '@ami/runtime';
import { CatalogModule } from './catalog.module.js';

void runService(CatalogModule, { name: 'catalog', schema: 'catalog' });
