import { DynamicModule, Module, ModuleMetadata } from '@nestjs/common';
import { z } from 'zod';
import { ConfigModule } from '@ami/config';
import { MessagingModule } from '@ami/messaging';
import { ObservabilityModule } from '@ami/observability';
import { PersistenceModule, ServiceDatabase } from '@ami/persistence';

export interface ServiceDefinition extends ServiceDatabase {
  /** The service's name: Kafka client id, consumer group, log and metric label. */
  name: string;
  config: z.ZodObject;
}

/** The mechanisms every service stands on, configured for one service. */
@Module({})
export class ServiceModule {
  static forService(
    def: ServiceDefinition,
    imports: ModuleMetadata['imports'] = [],
  ): DynamicModule {
    return {
      module: ServiceModule,
      imports: [
        ConfigModule.forService(def.name, def.config),
        ObservabilityModule,
        PersistenceModule.forService(def),
        MessagingModule.forService({ schema: def.schema }),
        ...imports,
      ],
    };
  }
}
