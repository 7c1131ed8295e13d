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

  // Migrations run as `<service>_owner` (npm run migrate, tools/cli/migrate-all.ts): the login
  // role the service runs as changes rows and nothing else.
  it.each(SERVICE_NAMES)(
    '%s holds no DDL rights in its own schema: the owner role has them, and cannot log in',
    async (service) => {
      const client = clients.get(service)!;
      const schema = SERVICE_SCHEMAS[service];
      const owner = `${schema}_owner`;
      const owners = await client.query(
        `SELECT nspowner::regrole::text AS owner,
                (SELECT array_agg(DISTINCT tableowner::text) FROM pg_tables WHERE schemaname = $1) AS tables,
                (SELECT rolcanlogin FROM pg_roles WHERE rolname = $2) AS owner_logs_in
           FROM pg_namespace WHERE nspname = $1`,
        [schema, owner],
      );
      expect(owners.rows[0]).toEqual({ owner, tables: [owner], owner_logs_in: false });
      const refused: Array<[string, RegExp]> = [
        [`CREATE TABLE ${schema}.ddl_probe (id int)`, /permission denied for schema/],
        [`CREATE INDEX ddl_probe ON ${schema}.outbox (position)`, /must be owner of table outbox/],
        [`ALTER TABLE ${schema}.outbox ADD COLUMN x int`, /must be owner of table outbox/],
        [`DROP TABLE ${schema}.outbox`, /must be owner of table outbox/],
        [`TRUNCATE ${schema}.outbox`, /permission denied for table outbox/],
        [
          `CREATE FUNCTION ${schema}.f() RETURNS int LANGUAGE sql AS 'SELECT 1'`,
          /permission denied for schema/,
        ],
        [`SET ROLE ${owner}`, /permission denied to set role/],
      ];
      const wrong: string[] = [];
      await client.query('BEGIN');
      try {
        for (const [sql, expected] of refused) {
          await client.query('SAVEPOINT probe');
          const outcome = await attempt(client, sql);
          await client.query('ROLLBACK TO SAVEPOINT probe');
          if (!expected.test(outcome)) wrong.push(`${sql}: ${outcome}`);
        }
        // granting away what it holds is not an error, just a warning: nothing is granted
        await client.query(`GRANT SELECT ON ${schema}.outbox TO PUBLIC`);
        const toPublic = await client.query(
          `SELECT count(*)::int AS n FROM pg_class c, aclexplode(c.relacl) a
            WHERE c.oid = '${schema}.outbox'::regclass AND a.grantee = 0`,
        );
        expect(toPublic.rows[0].n).toBe(0);
        // what it runs on: rows of its own tables
        for (const sql of [
          `SELECT count(*) FROM ${schema}.outbox`,
          `DELETE FROM ${schema}.inbox WHERE false`,
          `UPDATE ${schema}.outbox SET published_at = published_at WHERE false`,
        ])
          expect(await attempt(client, sql)).toBe('ok');
      } finally {
        await client.query('ROLLBACK');
      }
      expect(wrong).toEqual([]);
    },
  );
});
