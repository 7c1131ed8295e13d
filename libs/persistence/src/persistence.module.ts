import { DynamicModule, Inject, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, CommonConfig } from '@ami/config';
import { HealthRegistry } from '@ami/observability';
import { databaseOptions, ServiceDatabase } from './database-options.js';

@Injectable()
class DatabaseHealth implements OnModuleInit {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(HealthRegistry) private readonly health: HealthRegistry,
  ) {}
  onModuleInit() {
    this.health.register({
      name: 'database',
      check: async () => {
        await this.dataSource.query('SELECT 1');
      },
    });
  }
}

@Module({})
export class PersistenceModule {
  /** Connects as the service's own role to its own schema. */
  static forService(db: ServiceDatabase): DynamicModule {
    return {
      module: PersistenceModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (config: CommonConfig) =>
            databaseOptions(
              {
                host: config.DB_HOST,
                port: config.DB_PORT,
                database: config.DB_NAME,
                user: config.DB_USER,
                password: config.DB_PASSWORD,
                poolSize: config.DB_POOL_SIZE,
              },
              db,
            ),
        }),
      ],
      providers: [DatabaseHealth],
      exports: [TypeOrmModule],
    };
  }
}
