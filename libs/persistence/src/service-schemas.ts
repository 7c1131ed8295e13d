/**
 * The five services and the schema (= database role) each owns. Role and schema share a
 * name so that a role's default search_path ("$user") lands in its own schema.
 */
export const SERVICE_SCHEMAS = {
  catalog: 'catalog',
  builder: 'builder',
  replicator: 'replicator',
  permissions: 'permissions',
  'maintenance-scanner': 'maintenance_scanner',
} as const;

export type ServiceName = keyof typeof SERVICE_SCHEMAS;
export const SERVICE_NAMES = Object.keys(SERVICE_SCHEMAS) as ServiceName[];

/** The environment variable holding a service role's password, e.g. MAINTENANCE_SCANNER_DB_PASSWORD. */
export function passwordVariable(service: ServiceName): string {
  return `${SERVICE_SCHEMAS[service].toUpperCase()}_DB_PASSWORD`;
}
