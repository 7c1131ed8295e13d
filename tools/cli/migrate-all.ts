import { Client } from 'pg';
import { DataSource, type DataSourceOptions } from 'typeorm';
import {
  bootstrapServiceRole,
  databaseOptions,
  lockDownDatabase,
  ownerRole,
  passwordVariable,
  SERVICE_NAMES,
  ServiceName,
} from '@ami/persistence';
import { SERVICE_DATABASES } from './service-databases.js';

export interface MigrateEnv {
  host: string;
  port: number;
  database: string;
  adminUser: string;
  adminPassword: string;
  passwords: Record<ServiceName, string>;
}

export function migrateEnvFrom(env: NodeJS.ProcessEnv): MigrateEnv {
  const missing: string[] = [];
  const need = (name: string, fallback?: string) => {
    const value = env[name] || fallback;
    if (!value) missing.push(name);
    return value ?? '';
  };
  const result: MigrateEnv = {
    host: need('DB_HOST', '127.0.0.1'),
    port: Number(need('DB_PORT', '55432')),
    database: need('DB_NAME', 'ami'),
    adminUser: need('DB_ADMIN_USER'),
    adminPassword: need('DB_ADMIN_PASSWORD'),
    passwords: Object.fromEntries(
      SERVICE_NAMES.map((s) => [s, need(passwordVariable(s))]),
    ) as Record<ServiceName, string>,
  };
  if (missing.length)
    throw new Error(`migrate: missing environment variables: ${missing.join(', ')}`);
  return result;
}

/**
 * Creates each service's roles and schema (as the admin role), then runs that service's
 * migrations as the schema's owner role (the admin connects and takes the role on), so every
 * table is owned by `<service>_owner` and the service's own login role can change rows only.
 */
export async function migrateAll(
  env: MigrateEnv,
  log: (line: string) => void = console.log,
): Promise<void> {
  const admin = new Client({
    host: env.host,
    port: env.port,
    database: env.database,
    user: env.adminUser,
    password: env.adminPassword,
  });
  await admin.connect();
  try {
    await lockDownDatabase(admin, env.database);
    for (const service of SERVICE_NAMES) {
      await bootstrapServiceRole(
        admin,
        env.database,
        SERVICE_DATABASES[service].schema,
        env.passwords[service],
      );
    }
  } finally {
    await admin.end();
  }
  for (const service of SERVICE_NAMES) {
    const db = SERVICE_DATABASES[service];
    const options = databaseOptions(
      {
        host: env.host,
        port: env.port,
        database: env.database,
        user: env.adminUser,
        password: env.adminPassword,
        poolSize: 1,
      },
      db,
    );
    const dataSource = new DataSource({
      ...options,
      // Every connection of this pool is the owner, in the schema: what the migrations create
      // belongs to the owner, and the default privileges grant the login role its rows.
      extra: {
        ...(options.extra as object),
        options: `-c role=${ownerRole(db.schema)} -c search_path=${db.schema}`,
      },
    } as DataSourceOptions);
    await dataSource.initialize();
    try {
      const ran = await dataSource.runMigrations({ transaction: 'each' });
      log(`${service}: ${ran.length ? ran.map((m) => m.name).join(', ') : 'up to date'}`);
    } finally {
      await dataSource.destroy();
    }
  }
}
