import { Client } from 'pg';
import { passwordVariable, SERVICE_NAMES, SERVICE_SCHEMAS } from '@ami/persistence';
import { testEnv } from '@ami/testing';
import { migrateAll, migrateEnvFrom } from '../../tools/cli/migrate-all.js';

/** Connects as a service's own role, with the password the stack gave it. */
async function connectAs(role: string, password: string): Promise<Client> {
  const { db } = testEnv();
  const client = new Client({
    host: db.host,
    port: db.port,
    database: db.database,
    user: role,
    password,
  });
  await client.connect();
  return client;
}

describe('one schema and one role per service (real PostgreSQL)', () => {
  const env = migrateEnvFrom({ ...localPasswords(), ...process.env });

  beforeAll(async () => {
    await migrateAll(env, () => undefined); // idempotent: the test command already ran it
  });

  it("lets a service read its own tables but not another service's", async () => {
    const catalog = await connectAs('catalog', env.passwords.catalog);
    try {
      const own = await catalog.query('SELECT count(*) FROM catalog.outbox');
      expect(own.rows).toHaveLength(1);
      await expect(catalog.query('SELECT * FROM builder.rebuild_requests')).rejects.toThrow(
        /permission denied for schema builder/,
      );
      await expect(catalog.query('SELECT * FROM builder.outbox')).rejects.toThrow(
        /permission denied/,
      );
      await expect(catalog.query('CREATE TABLE public.sneaky (id int)')).rejects.toThrow(
        /permission denied/,
      );
    } finally {
      await catalog.end();
    }
  });

  it('gives every service role its own schema and nothing else', async () => {
    for (const service of SERVICE_NAMES) {
      const role = SERVICE_SCHEMAS[service];
      const client = await connectAs(role, env.passwords[service]);
      try {
        const { rows } = await client.query<{ nspname: string }>(
          `SELECT nspname FROM pg_namespace WHERE has_schema_privilege(current_user, oid, 'USAGE')
             AND nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg_toast%' AND nspname NOT LIKE 'pg_temp%'`,
        );
        expect(rows.map((r) => r.nspname)).toEqual([role]);
        const search = await client.query('SHOW search_path');
        expect(search.rows[0].search_path).toBe(role);
      } finally {
        await client.end();
      }
    }
  });
});

function localPasswords(): Record<string, string> {
  const { db } = testEnv();
  return Object.fromEntries([
    ['DB_ADMIN_USER', db.adminUser],
    ['DB_ADMIN_PASSWORD', db.adminPassword],
    ...SERVICE_NAMES.map((s) => [passwordVariable(s), `${SERVICE_SCHEMAS[s]}-local-dev`]),
  ]);
}
