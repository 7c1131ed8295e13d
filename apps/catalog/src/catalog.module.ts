import { Module } from '@nestjs/common';
import { ServiceModule } from '@ami/runtime';
import { catalogConfigSchema } from './config/catalog.config.js';
import { catalogDatabase } from './database/catalog.database.js';

@Module({
  imports: [ServiceModule.forService({ name: 'catalog', config: catalogConfigSchema, ...catalogDatabase })],
})
export class CatalogModule {}
