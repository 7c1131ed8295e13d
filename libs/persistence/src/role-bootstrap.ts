import { Client } from 'pg';

/**
 * Creates (or updates) one login role per service with its own schema, and makes sure no
 * role can reach another's schema: PUBLIC loses its default rights on the database and the
 * public schema, and each schema is owned by, and usable only by, its role.
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
  const exists = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
  const verb = exists.rowCount ? 'ALTER' : 'CREATE';
  // Passwords cannot be bound as parameters in DDL; quote them as literals instead.
  await admin.query(
    `${verb} ROLE ${ident} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD ${literal(password)}`,
  );
  await admin.query(`ALTER ROLE ${ident} SET search_path = ${ident}`);
  await admin.query(`GRANT CONNECT ON DATABASE "${database}" TO ${ident}`);
  await admin.query(`CREATE SCHEMA IF NOT EXISTS ${ident} AUTHORIZATION ${ident}`);
  await admin.query(`REVOKE ALL ON SCHEMA ${ident} FROM PUBLIC`);
}

export async function lockDownDatabase(admin: Client, database: string): Promise<void> {
  await admin.query(`REVOKE ALL ON DATABASE "${database}" FROM PUBLIC`);
  await admin.query('REVOKE ALL ON SCHEMA public FROM PUBLIC');
}

function assertIdentifier(name: string) {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`invalid role name: ${name}`);
}

function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
