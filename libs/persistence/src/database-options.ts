import type { DataSourceOptions, MixedList, EntitySchema } from 'typeorm';

export interface DatabaseConnection {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  poolSize?: number;
}

export interface ServiceDatabase {
  /** The schema this service owns; also its role name. */
  schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
}

/** TypeORM options for one service: its own schema, its own migrations table, never synchronize. */
export function databaseOptions(conn: DatabaseConnection, db: ServiceDatabase): DataSourceOptions {
  return {
    type: 'postgres',
    host: conn.host,
    port: conn.port,
    database: conn.database,
    username: conn.user,
    password: conn.password,
    schema: db.schema,
    entities: db.entities,
    migrations: db.migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    extra: { max: conn.poolSize ?? 10, application_name: db.schema },
  };
}
