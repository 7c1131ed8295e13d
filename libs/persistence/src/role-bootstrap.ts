import { Client } from 'pg';

/** The role that owns a service's schema and runs its migrations: no login, no rights elsewhere. */
export function ownerRole(role: string): string {
  return `${role}_owner`;
}

/**
 * Creates (or updates) two roles per service and its schema, and makes sure no role can reach
 * another's schema: PUBLIC loses its default rights on the database and the public schema.
 *
 * - `<service>_owner` (NOLOGIN) owns the schema and every table in it; migrations run as it
 *   (`npm run migrate`, as the admin with `SET ROLE`).
 * - `<service>` (LOGIN, the service's own) may read and write rows of its schema's tables and
 *   use their sequences, and nothing else: no DDL at run time (CREATE, ALTER, DROP, TRUNCATE
 *   are the owner's), no other schema.
 *
 * An install made when the login role owned its schema is handed over to the owner here.
 * Runs as the cluster's admin role; safe to run again.
 */
export async function bootstrapServiceRole(
  admin: Client,
  database: string,
  role: string,
  password: string,
): Promise<void> {
  assertIdentifier(role);
  const ident = `"${role}"`;
  const owner = `"${ownerRole(role)}"`;
  const verb = (await roleExists(admin, role)) ? 'ALTER' : 'CREATE';
  // Passwords cannot be bound as parameters in DDL; quote them as literals instead.
  await admin.query(
    `${verb} ROLE ${ident} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD ${literal(password)}`,
  );
  await admin.query(
    `${(await roleExists(admin, ownerRole(role))) ? 'ALTER' : 'CREATE'} ROLE ${owner} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE`,
  );
  await admin.query(`ALTER ROLE ${ident} SET search_path = ${ident}`);
  await admin.query(`GRANT CONNECT ON DATABASE "${database}" TO ${ident}`);
  await admin.query(`CREATE SCHEMA IF NOT EXISTS ${ident} AUTHORIZATION ${owner}`);
  // Earlier installs: the login role owned the schema and what its migrations made.
  await admin.query(`ALTER SCHEMA ${ident} OWNER TO ${owner}`);
  await admin.query(`REASSIGN OWNED BY ${ident} TO ${owner}`);
  await admin.query(`REVOKE ALL ON SCHEMA ${ident} FROM PUBLIC`);
  await admin.query(`GRANT USAGE ON SCHEMA ${ident} TO ${ident}`);
  await grantRuntimePrivileges(admin, role);
}

/**
 * The login role's rights on its schema's objects, on those that exist and (default privileges)
 * on those the owner's migrations make later.
 */
async function grantRuntimePrivileges(admin: Client, role: string): Promise<void> {
  const ident = `"${role}"`;
  const owner = `"${ownerRole(role)}"`;
  const rights: Array<[string, string]> = [
    ['SELECT, INSERT, UPDATE, DELETE', 'TABLES'],
    ['USAGE, SELECT, UPDATE', 'SEQUENCES'],
    ['EXECUTE', 'FUNCTIONS'],
  ];
  for (const [privileges, objects] of rights) {
    await admin.query(`GRANT ${privileges} ON ALL ${objects} IN SCHEMA ${ident} TO ${ident}`);
    await admin.query(
      `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA ${ident} GRANT ${privileges} ON ${objects} TO ${ident}`,
    );
  }
}

export async function lockDownDatabase(admin: Client, database: string): Promise<void> {
  await admin.query(`REVOKE ALL ON DATABASE "${database}" FROM PUBLIC`);
  await admin.query('REVOKE ALL ON SCHEMA public FROM PUBLIC');
}

async function roleExists(admin: Client, role: string): Promise<boolean> {
  const found = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
  return (found.rowCount ?? 0) > 0;
}

function assertIdentifier(name: string) {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`invalid role name: ${name}`);
}

function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
