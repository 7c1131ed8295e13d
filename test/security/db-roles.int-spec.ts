import { Client } from 'pg';
import {
  passwordVariable,
  SERVICE_NAMES,
  SERVICE_SCHEMAS,
  type ServiceName,
} from '@ami/persistence';
import { testEnv } from '@ami/testing';

/** Connects as a service's own role, with the password the stack gave it. */
async function connectAs(service: ServiceName): Promise<Client> {
  const { db } = testEnv();
  const role = SERVICE_SCHEMAS[service];
  const client = new Client({
    host: db.host,
    port: db.port,
    database: db.database,
    user: role,
    password: process.env[passwordVariable(service)] ?? `${role}-local-dev`,
  });
  await client.connect();
  return client;
}

/** The error PostgreSQL answers, or 'ok'. */
async function attempt(client: Client, sql: string): Promise<string> {
  try {
    await client.query(sql);
    return 'ok';
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * What a service's database role can do at run time, connected as the role itself (the
 * schema-isolation test in test/foundation covers reads of another schema and the search path).
 */
describe('each service role is confined to its own schema (real PostgreSQL)', () => {
  const clients = new Map<ServiceName, Client>();
  beforeAll(async () => {
    for (const service of SERVICE_NAMES) clients.set(service, await connectAs(service));
  });
  afterAll(async () => {
    await Promise.all([...clients.values()].map((c) => c.end()));
  });

  it.each(SERVICE_NAMES)(
    '%s can neither read nor write any other service’s schema',
    async (service) => {
      const client = clients.get(service)!;
      expect(await attempt(client, 'SELECT count(*) FROM outbox')).toBe('ok');
      const wrong: string[] = [];
      for (const other of SERVICE_NAMES.filter((s) => s !== service)) {
        const schema = SERVICE_SCHEMAS[other];
        for (const sql of [
          `SELECT count(*) FROM ${schema}.outbox`,
          `INSERT INTO ${schema}.outbox DEFAULT VALUES`,
          `UPDATE ${schema}.outbox SET published_at = now()`,
          `DELETE FROM ${schema}.outbox`,
          `TRUNCATE ${schema}.outbox`,
          `CREATE TABLE ${schema}.planted (id int)`,
        ]) {
          const outcome = await attempt(client, sql);
          if (outcome !== `permission denied for schema ${schema}`)
            wrong.push(`${sql}: ${outcome}`);
        }
      }
      expect(wrong).toEqual([]);
    },
  );

  it.each(SERVICE_NAMES)(
    '%s cannot create a schema, use public, or become another role',
    async (service) => {
      const client = clients.get(service)!;
      expect(await attempt(client, 'CREATE SCHEMA planted')).toMatch(
        /permission denied for database/,
      );
      expect(await attempt(client, 'CREATE TABLE public.planted (id int)')).toMatch(
        /permission denied for schema public/,
      );
      for (const role of [
        testEnv().db.adminUser,
        ...SERVICE_NAMES.filter((s) => s !== service).map((s) => SERVICE_SCHEMAS[s]),
      ])
        expect(await attempt(client, `SET ROLE ${role}`)).toMatch(/permission denied to set role/);
      const { rows } = await client.query(
        `SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls,
              (SELECT count(*)::int FROM pg_auth_members WHERE member = r.oid) AS memberships
         FROM pg_roles r WHERE rolname = current_user`,
      );
      expect(rows[0]).toEqual({
        rolsuper: false,
        rolcreatedb: false,
        rolcreaterole: false,
        rolreplication: false,
        rolbypassrls: false,
        memberships: 0,
      });
    },
  );

  // Known gap (docs/security.md): migrations run as the service role itself, so it owns its
  // schema and tables and DDL there is not refused at run time. This pins the current state:
  // once a separate owner role runs the migrations, this test fails and is turned around.
  it.each(SERVICE_NAMES)(
    '%s still owns its schema, so DDL inside it is not refused (known gap)',
    async (service) => {
      const client = clients.get(service)!;
      const schema = SERVICE_SCHEMAS[service];
      const owner = await client.query(
        `SELECT nspowner::regrole::text AS owner FROM pg_namespace WHERE nspname = $1`,
        [schema],
      );
      expect(owner.rows[0].owner).toBe(schema);
      await client.query('BEGIN');
      try {
        expect(await attempt(client, `CREATE TABLE ${schema}.ddl_probe (id int)`)).toBe('ok');
        expect(await attempt(client, `ALTER TABLE ${schema}.ddl_probe ADD COLUMN x int`)).toBe(
          'ok',
        );
        expect(await attempt(client, `DROP TABLE ${schema}.ddl_probe`)).toBe('ok');
      } finally {
        await client.query('ROLLBACK');
      }
    },
  );
});
