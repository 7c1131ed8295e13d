import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { messagingSetAsideUp, messagingTablesUp } from '@ami/messaging';
import { testEnv } from './test-env.js';

export async function adminClient(): Promise<Client> {
  const { db } = testEnv();
  const client = new Client({
    host: db.host,
    port: db.port,
    database: db.database,
    user: db.adminUser,
    password: db.adminPassword,
  });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `cannot reach PostgreSQL at ${db.host}:${db.port} as ${db.adminUser} (${(error as Error).message}); start it with: npm run stack -- infra`,
    );
  }
  return client;
}

export interface ScratchSchema {
  schema: string;
  dataSource: DataSource;
  connection: { host: string; port: number; database: string; user: string; password: string };
  drop(): Promise<void>;
}

/**
 * A throwaway schema with the messaging tables, for tests of the backbone itself. Uses the
 * admin role; the services' own roles and schemas are exercised by the service tests.
 */
export async function scratchSchema(prefix = 'test'): Promise<ScratchSchema> {
  const schema = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = await adminClient();
  try {
    await admin.query(`CREATE SCHEMA "${schema}"`);
    for (const sql of [...messagingTablesUp(schema), ...messagingSetAsideUp(schema)])
      await admin.query(sql);
  } finally {
    await admin.end();
  }
  const { db } = testEnv();
  const connection = {
    host: db.host,
    port: db.port,
    database: db.database,
    user: db.adminUser,
    password: db.adminPassword,
  };
  const dataSource = new DataSource({
    type: 'postgres',
    ...connection,
    username: db.adminUser,
    schema,
    extra: { max: 10 },
  });
  await dataSource.initialize();
  return {
    schema,
    dataSource,
    connection,
    async drop() {
      await dataSource.destroy();
      const client = await adminClient();
      await client.query(`DROP SCHEMA "${schema}" CASCADE`);
      await client.end();
    },
  };
}
